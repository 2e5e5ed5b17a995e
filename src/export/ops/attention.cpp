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
  if (a.b(5)) {
    if (!a.is_none(3)) unsupported(node, "is_causal=True together with an attn_mask");
    mask = causal_mask(ctx, q, k);
    bool_mask = true;
  } else if (auto m = a.opt_tensor(3)) {
    mask = *m;
    auto t = ctx.elem_type_of(mask);
    bool_mask = t && *t == onnx::TensorProto_DataType_BOOL;
  }
  std::string out = attend(ctx, q, swap_last_two(ctx, node, a.value(1), k), v, scale, mask, bool_mask);
  ctx.bind(node->output(), out);
}

// _native_multi_head_attention(query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
//                              proj_weight, proj_bias, mask, need_weights, average_attn_weights, mask_type)
// query/key/value: [B, L, E] (batch first). Heads by Reshape [0, 0, H, D] (0 copies a dim, so B
// and L stay dynamic).
void native_mha(ExportContext& ctx, const Node* node, const Args& a) {
  if (!a.is_none(9)) unsupported(node, "an attention mask on the fast path");
  int64_t e = a.i(3), h = a.i(4);
  if (h <= 0 || e % h != 0) unsupported(node, "embed_dim is not a multiple of num_heads");
  int64_t d = e / h;
  auto w = ctx.const_tensor(a.value(5));
  auto b = ctx.const_tensor(a.value(6));
  auto pw = ctx.const_tensor(a.value(7));
  auto pb = ctx.const_tensor(a.value(8));
  if (!w || !b || !pw || !pb) unsupported(node, "attention weights that are not constants");
  auto ws = w->chunk(3, 0);
  auto bs = b->chunk(3, 0);
  auto project = [&](const Value* x, int i, const char* hint) {
    std::string m = node_out(ctx, "MatMul", {ctx.in(x), ctx.add_initializer(ws[static_cast<size_t>(i)].t().contiguous(), hint)}, hint);
    std::string biased = node_out(ctx, "Add", {m, ctx.add_initializer(bs[static_cast<size_t>(i)].contiguous(), std::string(hint) + "_bias")}, hint);
    std::string r = node_out(ctx, "Reshape", {biased, ctx.add_int64s({0, 0, h, d}, "heads")}, hint);
    return emit_transpose(ctx, r, {0, 2, 1, 3});  // [B, H, L, D]
  };
  std::string q = project(a.value(0), 0, "q_proj");
  std::string k = project(a.value(1), 1, "k_proj");
  std::string v = project(a.value(2), 2, "v_proj");
  std::string kt = emit_transpose(ctx, k, {0, 1, 3, 2});
  std::string weights;
  std::string o = attend(ctx, q, kt, v, 1.0 / std::sqrt(static_cast<double>(d)), "", false, &weights);
  std::string merged = node_out(ctx, "Reshape", {emit_transpose(ctx, o, {0, 2, 1, 3}), ctx.add_int64s({0, 0, e}, "merge")}, "merge_heads");
  std::string y = node_out(ctx, "MatMul", {merged, ctx.add_initializer(pw->t().contiguous(), "out_proj")}, "out_proj");
  ctx.add_node("Add", {y, ctx.add_initializer(pb->contiguous(), "out_proj_bias")}, {ctx.out(node->output(0), "mha")});
  if (!a.b(10)) {
    ctx.set_known(node->output(1), c10::IValue(at::empty({0})));  // what LibTorch returns then
  } else if (a.b(11)) {
    emit_reduce(ctx, "ReduceMean", weights, {1}, false, ctx.out(node->output(1), "attn_weights"));
  } else {
    ctx.bind(node->output(1), weights);
  }
}

}  // namespace

void register_attention_ops(OpRegistry& r) {
  r.add("aten::scaled_dot_product_attention", "v v v v? f b f? b", sdpa,
        "MatMul, Mul, (Where/Add mask; causal by Range/LessOrEqual), Softmax, MatMul");
  r.add("aten::_native_multi_head_attention", "v v v i i v v v v v? b b i?", native_mha,
        "MatMul+Add per projection, Reshape/Transpose to heads, attention, out projection");
}

}  // namespace kiln
