// Attention: scaled_dot_product_attention and LibTorch's eval fast path for nn.MultiheadAttention
// (aten::_native_multi_head_attention, what a scripted or traced MHA runs under no_grad) →
// MatMul / Softmax / MatMul, with the packed in-projection split into three constant MatMuls.
#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

std::string node_out(ExportContext& ctx, const std::string& op, const std::vector<std::string>& in, const std::string& hint) {
  return emit(ctx, op, in, hint);
}

std::string swap_last_two(ExportContext& ctx, const Node* node, const Value* v, const std::string& x) {
  auto rank = ctx.rank_of(v);
  if (!rank || *rank < 2) unsupported(node, "attention inputs of unknown rank");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < *rank; ++i) perm.push_back(i);
  std::swap(perm[static_cast<size_t>(*rank - 1)], perm[static_cast<size_t>(*rank - 2)]);
  return emit_transpose(ctx, x, perm);
}

// softmax(q·kᵀ·scale [+ mask]) · v, q/k/v [..., L, D]
std::string attend(ExportContext& ctx, const std::string& q, const std::string& kt, const std::string& v, double scale,
                   const std::string& mask, bool bool_mask, std::string* weights = nullptr) {
  std::string s = node_out(ctx, "MatMul", {q, kt}, "scores");
  s = node_out(ctx, "Mul", {s, constant_like(ctx, scale, q, "scale")}, "scaled");
  if (!mask.empty()) {
    if (bool_mask) {
      s = node_out(ctx, "Where", {mask, s, constant_like(ctx, -std::numeric_limits<double>::infinity(), q, "neg_inf")}, "masked");
    } else {
      s = node_out(ctx, "Add", {s, mask}, "masked");
    }
  }
  std::string p = ctx.fresh("attn");
  auto& sm = ctx.add_node("Softmax", {s}, {p});
  set_attr(sm, "axis", int64_t{-1});
  if (weights != nullptr) *weights = p;
  return node_out(ctx, "MatMul", {p, v}, "attn_out");
}

// The causal mask of [.., L, S] scores: position (i, j) may attend where j <= i.
std::string causal_mask(ExportContext& ctx, const std::string& q, const std::string& k) {
  auto dim = [&](const std::string& x) {
    std::string shape = emit_shape(ctx, x);
    return emit(ctx, "Gather", {shape, ctx.add_int64s({-2}, "seq", true)}, "len");
  };
  auto range = [&](const std::string& n) {
    return emit(ctx, "Range", {ctx.add_int64s({0}, "zero", true), n, ctx.add_int64s({1}, "one", true)}, "positions");
  };
  std::string rows = emit_unsqueeze(ctx, range(dim(q)), {1}), cols = emit_unsqueeze(ctx, range(dim(k)), {0});
  return emit(ctx, "LessOrEqual", {cols, rows}, "causal");
}

// k/v with fewer heads than q (grouped-query attention): each head repeated Hq/Hk times.
std::string repeat_heads(ExportContext& ctx, const Node* node, const Value* v, const std::string& x, int64_t times) {
  if (times == 1) return x;
  auto dims = ctx.dims_of(v);
  if (!dims || dims->size() < 3) unsupported(node, "grouped-query attention on inputs of unknown rank");
  int64_t rank = static_cast<int64_t>(dims->size());
  std::string u = emit_unsqueeze(ctx, x, {rank - 2});  // [.., Hk, 1, S, D]
  std::vector<int64_t> reps(static_cast<size_t>(rank + 1), 1);
  reps[static_cast<size_t>(rank - 2)] = times;
  std::string t = emit(ctx, "Tile", {u, ctx.add_int64s(reps, "repeats")}, "tiled");
  std::string shape = emit_shape(ctx, x);
  std::vector<std::string> parts;
  if (rank > 3) parts.push_back(emit(ctx, "Slice", {shape, ctx.add_int64s({0}, "s"), ctx.add_int64s({rank - 3}, "e")}, "lead"));
  parts.push_back(ctx.add_int64s({-1}, "heads"));
  parts.push_back(emit(ctx, "Slice", {shape, ctx.add_int64s({rank - 2}, "s"), ctx.add_int64s({rank}, "e")}, "tail"));
  auto& c = ctx.add_node("Concat", parts, {ctx.fresh("gqa_shape")});
  set_attr(c, "axis", int64_t{0});
  return emit(ctx, "Reshape", {t, c.output(0)}, "gqa");
}

// 0 where attention is allowed, -inf where not, from a bool mask (True: allowed).
std::string additive(ExportContext& ctx, const std::string& allowed, const std::string& q) {
  return emit(ctx, "Where", {allowed, constant_like(ctx, 0.0, q, "zero"), constant_like(ctx, -std::numeric_limits<double>::infinity(), q, "neg_inf")},
              "additive");
}

// The mask of an attention whose mask or causality is decided at run time, as an additive float
// mask: nn.MultiheadAttention detects a causal attn_mask by comparing it with one
// (F._detect_is_causal_mask) and hands SDPA is_causal with the mask dropped, or the mask (an ONNX
// optional: None on some paths) with is_causal False. PyTorch refuses both at once.
std::string run_time_mask(ExportContext& ctx, const Node* node, const Value* mask, const Value* is_causal, const std::string& q,
                          const std::string& k) {
  int32_t type = ctx.elem_type_of(q).value_or(onnx::TensorProto_DataType_FLOAT);
  auto given = [&]() -> std::string {  // the mask argument, additive; 0 for None
    if (ctx.is_none(mask)) return constant_like(ctx, 0.0, q, "no_mask");
    auto elem = ctx.optional_of(mask);
    auto as_additive = [&](const std::string& m, std::optional<int32_t> t) {
      if (t && *t == onnx::TensorProto_DataType_BOOL) return additive(ctx, m, q);
      return t && *t == type ? m : emit_cast(ctx, m, type);
    };
    if (!elem) return as_additive(ctx.in(mask), ctx.elem_type_of(ctx.in(mask)));
    std::string has = emit(ctx, "OptionalHasElement", {ctx.in(mask)}, "has_mask");
    return emit_if(
        ctx, has, type, [&] { return as_additive(emit(ctx, "OptionalGetElement", {ctx.in(mask)}, "mask_value"), elem); },
        [&] { return constant_like(ctx, 0.0, q, "no_mask"); }, ctx.fresh("mask"));
  };
  if (ctx.is_static(is_causal)) {
    if (ctx.const_bool(is_causal)) unsupported(node, "is_causal=True together with an attn_mask decided at run time");
    return given();
  }
  std::string causal = scalar_operand(ctx, is_causal, onnx::TensorProto_DataType_BOOL);
  return emit_if(ctx, causal, type, [&] { return additive(ctx, causal_mask(ctx, q, k), q); }, given, ctx.fresh("mask"));
}

// scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale, enable_gqa)
void sdpa(ExportContext& ctx, const Node* node, const Args& a) {
  if (a.f(4) != 0.0) unsupported(node, "dropout_p > 0 (random at run time)");
  auto dims = ctx.dims_of(a.value(0));
  double scale;
  if (auto s = a.opt_f(6)) {
    scale = *s;
  } else {
    if (!dims || dims->empty() || dims->back() <= 0) unsupported(node, "the head size must be static");
    scale = 1.0 / std::sqrt(static_cast<double>(dims->back()));
  }
  std::string q = a.tensor(0), k = a.tensor(1), v = a.tensor(2);
  if (a.b(7)) {
    auto kd = ctx.dims_of(a.value(1));
    if (!dims || !kd || dims->size() < 3 || kd->size() < 3) unsupported(node, "grouped-query attention on inputs of unknown rank");
    int64_t hq = (*dims)[dims->size() - 3], hk = (*kd)[kd->size() - 3];
    if (hq <= 0 || hk <= 0 || hq % hk != 0) unsupported(node, "grouped-query attention needs static head counts that divide");
    k = repeat_heads(ctx, node, a.value(1), k, hq / hk);
    v = repeat_heads(ctx, node, a.value(2), v, hq / hk);
  }
  std::string mask;
  bool bool_mask = false;
  const Value* mask_value = node->input(3);
  const Value* causal_value = node->input(5);
  if (!ctx.is_static(causal_value) || ctx.optional_of(mask_value)) {
    mask = run_time_mask(ctx, node, mask_value, causal_value, q, k);
  } else if (ctx.const_bool(causal_value)) {
    if (!ctx.is_none(mask_value)) unsupported(node, "is_causal=True together with an attn_mask");
    mask = causal_mask(ctx, q, k);
    bool_mask = true;
  } else if (!ctx.is_none(mask_value)) {
    mask = ctx.in(mask_value);
    auto t = ctx.elem_type_of(mask);
    bool_mask = t && *t == onnx::TensorProto_DataType_BOOL;
  }
  std::string out = attend(ctx, q, swap_last_two(ctx, node, a.value(1), k), v, scale, mask, bool_mask);
  ctx.bind(node->output(), out);
}

// The attention of LibTorch's fast paths: q/k/v [B, L, E] (batch first), the packed in-projection
// [3E, E] split into three constant MatMuls, heads by Reshape [0, 0, H, D] (0 copies a dim, so B
// and L stay dynamic), an optional mask — bool (True: masked out) or additive; mask_type 0: [L, S],
// 1: a key padding mask [B, S], 2: [B, H, L, S] — and the out projection. Returns the output and,
// through `weights`, the attention probabilities [B, H, L, S].
struct FastAttention {
  int64_t embed_dim = 0, heads = 0;
  at::Tensor qkv_weight, qkv_bias, proj_weight, proj_bias;
};

FastAttention fast_attention(ExportContext& ctx, const Node* node, int64_t e, int64_t h, const Value* w, const Value* b,
                             const Value* pw, const Value* pb) {
  if (h <= 0 || e % h != 0) unsupported(node, "embed_dim is not a multiple of num_heads");
  FastAttention f;
  f.embed_dim = e;
  f.heads = h;
  auto need = [&](const Value* v) {
    auto t = ctx.const_tensor(v);
    if (!t) unsupported(node, "attention weights that are not constants");
    return *t;
  };
  f.qkv_weight = need(w);
  f.qkv_bias = need(b);
  f.proj_weight = need(pw);
  f.proj_bias = need(pb);
  return f;
}

std::string attention_mask(ExportContext& ctx, const Node* node, const Value* mask, std::optional<int64_t> mask_type, bool& bool_mask) {
  std::string m = ctx.in(mask);
  auto t = ctx.elem_type_of(m);
  bool_mask = t && *t == onnx::TensorProto_DataType_BOOL;
  if (bool_mask) {  // the fast paths' bool masks are True where attention is not allowed
    m = emit(ctx, "Not", {m}, "allowed");
  }
  auto rank = ctx.rank_of(mask);
  if (mask_type && *mask_type == 1) {  // key padding [B, S] → [B, 1, 1, S]
    m = emit_unsqueeze(ctx, m, {1, 2});
  } else if (rank && *rank == 3) {  // [B·H, L, S] → [B, H, L, S] is not known here: refuse
    unsupported(node, "a 3-D attention mask on the fast path");
  }
  (void)node;
  return m;
}

std::string fast_attend(ExportContext& ctx, const FastAttention& f, const std::string& query, const std::string& key,
                        const std::string& value, const std::string& mask, bool bool_mask, std::string* weights) {
  int64_t e = f.embed_dim, h = f.heads, d = e / h;
  auto ws = f.qkv_weight.chunk(3, 0);
  auto bs = f.qkv_bias.chunk(3, 0);
  auto project = [&](const std::string& x, int i, const char* hint) {
    std::string m = node_out(ctx, "MatMul", {x, ctx.add_initializer(ws[static_cast<size_t>(i)].t(), hint)}, hint);
    std::string biased = node_out(ctx, "Add", {m, ctx.add_initializer(bs[static_cast<size_t>(i)], std::string(hint) + "_bias")}, hint);
    std::string r = node_out(ctx, "Reshape", {biased, ctx.add_int64s({0, 0, h, d}, "heads")}, hint);
    return emit_transpose(ctx, r, {0, 2, 1, 3});  // [B, H, L, D]
  };
  std::string q = project(query, 0, "q_proj");
  std::string k = project(key, 1, "k_proj");
  std::string v = project(value, 2, "v_proj");
  std::string kt = emit_transpose(ctx, k, {0, 1, 3, 2});
  std::string o = attend(ctx, q, kt, v, 1.0 / std::sqrt(static_cast<double>(d)), mask, bool_mask, weights);
  std::string merged = node_out(ctx, "Reshape", {emit_transpose(ctx, o, {0, 2, 1, 3}), ctx.add_int64s({0, 0, e}, "merge")}, "merge_heads");
  std::string y = node_out(ctx, "MatMul", {merged, ctx.add_initializer(f.proj_weight.t(), "out_proj")}, "out_proj");
  return node_out(ctx, "Add", {y, ctx.add_initializer(f.proj_bias, "out_proj_bias")}, "mha");
}

// _native_multi_head_attention(query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
//                              proj_weight, proj_bias, mask, need_weights, average_attn_weights, mask_type)
void native_mha(ExportContext& ctx, const Node* node, const Args& a) {
  auto f = fast_attention(ctx, node, a.i(3), a.i(4), a.value(5), a.value(6), a.value(7), a.value(8));
  std::string mask;
  bool bool_mask = false;
  if (!a.is_none(9)) mask = attention_mask(ctx, node, a.value(9), a.opt_i(12), bool_mask);
  std::string weights;
  ctx.bind(node->output(0), fast_attend(ctx, f, a.tensor(0), a.tensor(1), a.tensor(2), mask, bool_mask, &weights));
  if (!a.b(10)) {
    // LibTorch returns an undefined tensor then, which TorchScript's `weights is None` sees as
    // None (nn.MultiheadAttention's fast path with need_weights=False returns (out, None))
    ctx.set_known(node->output(1), c10::IValue());
  } else if (a.b(11)) {
    emit_reduce(ctx, "ReduceMean", weights, {1}, false, ctx.out(node->output(1), "attn_weights"));
  } else {
    ctx.bind(node->output(1), weights);
  }
}

// _transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_w, qkv_b, proj_w, proj_b,
//   use_gelu, norm_first, eps, ln1_w, ln1_b, ln2_w, ln2_b, ffn1_w, ffn1_b, ffn2_w, ffn2_b, mask?,
//   mask_type?) — nn.TransformerEncoderLayer's eval fast path:
//   norm_first: x = src + SA(LN1(src)); out = x + FF(LN2(x))
//   otherwise:  x = LN1(src + SA(src)); out = LN2(x + FF(x)),  FF = W2·act(W1·x + b1) + b2
void transformer_encoder_layer(ExportContext& ctx, const Node* node, const Args& a) {
  auto f = fast_attention(ctx, node, a.i(1), a.i(2), a.value(3), a.value(4), a.value(5), a.value(6));
  bool gelu = a.b(7), norm_first = a.b(8);
  double eps = a.f(9);
  std::string mask;
  bool bool_mask = false;
  auto nested = ctx.nested_valid(a.value(0));
  if (!a.is_none(18)) {
    if (nested) unsupported(node, "a mask with a nested input (PyTorch refuses it too)");
    mask = attention_mask(ctx, node, a.value(18), a.opt_i(19), bool_mask);
  } else if (nested) {  // a nested input: its valid positions are the keys each token attends to
    mask = emit_unsqueeze(ctx, *nested, {1, 2});
    bool_mask = true;
  }
  auto layer_norm = [&](const std::string& x, size_t w, size_t b) {
    std::string y = ctx.fresh("layer_norm");
    if (ctx.opset() >= 17) {
      auto& n = ctx.add_node("LayerNormalization", {x, a.tensor(w), a.tensor(b)}, {y});
      set_attr(n, "axis", int64_t{-1});
      set_attr(n, "epsilon", eps);
      return y;
    }
    std::string mean = emit_reduce(ctx, "ReduceMean", x, {-1}, true);
    std::string dlt = emit(ctx, "Sub", {x, mean}, "centered");
    std::string var = emit_reduce(ctx, "ReduceMean", emit(ctx, "Mul", {dlt, dlt}, "sq"), {-1}, true);
    std::string sd = emit(ctx, "Sqrt", {emit(ctx, "Add", {var, constant_like(ctx, eps, x, "eps")}, "var_eps")}, "std");
    std::string nrm = emit(ctx, "Div", {dlt, sd}, "normalized");
    return emit(ctx, "Add", {emit(ctx, "Mul", {nrm, a.tensor(w)}, "scaled"), a.tensor(b)}, "layer_norm");
  };
  auto linear = [&](const std::string& x, size_t w, size_t b) {
    auto wt = ctx.const_tensor(a.value(w));
    std::string wn = wt ? ctx.add_initializer(wt->t(), "ffn_w_t") : emit_transpose(ctx, a.tensor(w), {1, 0});
    return emit(ctx, "Add", {emit(ctx, "MatMul", {x, wn}, "ffn"), a.tensor(b)}, "ffn");
  };
  auto feed_forward = [&](const std::string& x) {
    std::string h = linear(x, 14, 15);
    if (gelu) {
      std::string half = emit(ctx, "Mul", {h, constant_like(ctx, 0.5, h, "half")}, "half");
      std::string erf = emit(ctx, "Erf", {emit(ctx, "Div", {h, constant_like(ctx, std::sqrt(2.0), h, "sqrt2")}, "scaled")}, "erf");
      h = emit(ctx, "Mul", {half, emit(ctx, "Add", {erf, constant_like(ctx, 1, h, "one")}, "plus1")}, "gelu");
    } else {
      h = emit(ctx, "Relu", {h}, "relu");
    }
    return linear(h, 16, 17);
  };
  std::string src = a.tensor(0), x;
  if (norm_first) {
    std::string n1 = layer_norm(src, 10, 11);
    x = emit(ctx, "Add", {src, fast_attend(ctx, f, n1, n1, n1, mask, bool_mask, nullptr)}, "residual");
    x = emit(ctx, "Add", {x, feed_forward(layer_norm(x, 12, 13))}, "residual");
  } else {
    x = layer_norm(emit(ctx, "Add", {src, fast_attend(ctx, f, src, src, src, mask, bool_mask, nullptr)}, "residual"), 10, 11);
    x = layer_norm(emit(ctx, "Add", {x, feed_forward(x)}, "residual"), 12, 13);
  }
  ctx.bind(node->output(), x);
  if (nested) ctx.mark_nested(x, *nested);  // the output is as nested as the input
}

}  // namespace

void register_attention_ops(OpRegistry& r) {
  // attn_mask and is_causal: `any`, read by the converter (a run-time Optional mask, a run-time
  // is_causal: an If choosing the additive mask).
  r.add("aten::scaled_dot_product_attention", "v v v any f any f? b", sdpa,
        "MatMul, Mul, (Where/Add mask; causal by Range/LessOrEqual; If for a mask or causality decided at run time), "
        "Softmax, MatMul");
  r.add("aten::_native_multi_head_attention", "v v v i i v v v v v? b b i?", native_mha,
        "MatMul+Add per projection, Reshape/Transpose to heads, attention (masks), out projection");
  r.add("aten::_transformer_encoder_layer_fwd", "v i i v v v v b b f v v v v v v v v v? i?", transformer_encoder_layer,
        "attention + residuals + LayerNormalization + feed-forward (ReLU or exact GELU)");
}

}  // namespace kiln
