// Attention: scaled_dot_product_attention and LibTorch's eval fast path for nn.MultiheadAttention
// (aten::_native_multi_head_attention, what a scripted or traced MHA runs under no_grad) →
// MatMul / Softmax / MatMul, with the packed in-projection split into three constant MatMuls.
#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

std::string node_out(ExportContext& ctx, const std::string& op, const std::vector<std::string>& in, const std::string& hint) {
  std::string out = ctx.fresh(hint);
  ctx.add_node(op, in, {out});
  return out;
}

std::string swap_last_two(ExportContext& ctx, const Node* node, const Value* v) {
  auto rank = ctx.rank_of(v);
  if (!rank || *rank < 2) unsupported(node, "attention inputs of unknown rank");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < *rank; ++i) perm.push_back(i);
  std::swap(perm[static_cast<size_t>(*rank - 1)], perm[static_cast<size_t>(*rank - 2)]);
  return emit_transpose(ctx, ctx.in(v), perm);
}

// softmax(q·kᵀ·scale [+ mask]) · v, q/k/v [..., L, D]
std::string attend(ExportContext& ctx, const std::string& q, const std::string& kt, const std::string& v, double scale,
                   const std::string& mask, bool bool_mask, std::string* weights = nullptr) {
  std::string s = node_out(ctx, "MatMul", {q, kt}, "scores");
  s = node_out(ctx, "Mul", {s, scalar_constant(ctx, scale, onnx::TensorProto_DataType_FLOAT, "scale")}, "scaled");
  if (!mask.empty()) {
    if (bool_mask) {
      s = node_out(ctx, "Where", {mask, s, scalar_constant(ctx, -std::numeric_limits<double>::infinity(), onnx::TensorProto_DataType_FLOAT, "neg_inf")},
                   "masked");
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

// scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale, enable_gqa)
void sdpa(ExportContext& ctx, const Node* node) {
  if (ctx.const_bool(node->input(5))) unsupported(node, "is_causal=True");
  if (node->inputs().size() > 7 && ctx.const_bool(node->input(7))) unsupported(node, "enable_gqa=True");
  auto dims = ctx.dims_of(node->input(0));
  double scale;
  if (node->inputs().size() > 6 && !ctx.is_none(node->input(6))) {
    scale = ctx.const_double(node->input(6));
  } else {
    if (!dims || dims->empty() || dims->back() <= 0) unsupported(node, "the head size must be static");
    scale = 1.0 / std::sqrt(static_cast<double>(dims->back()));
  }
  std::string mask;
  bool bool_mask = false;
  if (!ctx.is_none(node->input(3))) {
    mask = ctx.in(node->input(3));
    auto t = ctx.elem_type_of(mask);
    bool_mask = t && *t == onnx::TensorProto_DataType_BOOL;
  }
  std::string out = attend(ctx, ctx.in(node->input(0)), swap_last_two(ctx, node, node->input(1)), ctx.in(node->input(2)),
                           scale, mask, bool_mask);
  ctx.bind(node->output(), out);
}

// _native_multi_head_attention(query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
//                              proj_weight, proj_bias, mask, need_weights, average_attn_weights, mask_type)
// query/key/value: [B, L, E] (batch first). Heads by Reshape [0, 0, H, D] (0 copies a dim, so B
// and L stay dynamic).
void native_mha(ExportContext& ctx, const Node* node) {
  if (!ctx.is_none(node->input(9))) unsupported(node, "an attention mask on the fast path");
  int64_t e = ctx.const_int(node->input(3)), h = ctx.const_int(node->input(4));
  if (h <= 0 || e % h != 0) unsupported(node, "embed_dim is not a multiple of num_heads");
  int64_t d = e / h;
  auto w = ctx.const_tensor(node->input(5));
  auto b = ctx.const_tensor(node->input(6));
  auto pw = ctx.const_tensor(node->input(7));
  auto pb = ctx.const_tensor(node->input(8));
  if (!w || !b || !pw || !pb) unsupported(node, "attention weights that are not constants");
  auto ws = w->chunk(3, 0);
  auto bs = b->chunk(3, 0);
  auto project = [&](const Value* x, int i, const char* hint) {
    std::string m = node_out(ctx, "MatMul", {ctx.in(x), ctx.add_initializer(ws[static_cast<size_t>(i)].t().contiguous(), hint)}, hint);
    std::string a = node_out(ctx, "Add", {m, ctx.add_initializer(bs[static_cast<size_t>(i)].contiguous(), std::string(hint) + "_bias")}, hint);
    std::string r = node_out(ctx, "Reshape", {a, ctx.add_int64s({0, 0, h, d}, "heads")}, hint);
    return emit_transpose(ctx, r, {0, 2, 1, 3});  // [B, H, L, D]
  };
  std::string q = project(node->input(0), 0, "q_proj");
  std::string k = project(node->input(1), 1, "k_proj");
  std::string v = project(node->input(2), 2, "v_proj");
  std::string kt = emit_transpose(ctx, k, {0, 1, 3, 2});
  std::string weights;
  std::string o = attend(ctx, q, kt, v, 1.0 / std::sqrt(static_cast<double>(d)), "", false, &weights);
  std::string merged = node_out(ctx, "Reshape", {emit_transpose(ctx, o, {0, 2, 1, 3}), ctx.add_int64s({0, 0, e}, "merge")}, "merge_heads");
  std::string y = node_out(ctx, "MatMul", {merged, ctx.add_initializer(pw->t().contiguous(), "out_proj")}, "out_proj");
  ctx.add_node("Add", {y, ctx.add_initializer(pb->contiguous(), "out_proj_bias")}, {ctx.out(node->output(0), "mha")});
  if (!ctx.const_bool(node->input(10))) {
    ctx.set_known(node->output(1), c10::IValue(at::empty({0})));  // what LibTorch returns then
  } else if (ctx.const_bool(node->input(11))) {
    reduce_mean(ctx, weights, {1}, false, ctx.out(node->output(1), "attn_weights"));
  } else {
    ctx.bind(node->output(1), weights);
  }
}

}  // namespace

void add_attention_ops(OpTable& t) {
  t["aten::scaled_dot_product_attention"] = {sdpa, "MatMul, Mul, (Where/Add mask), Softmax, MatMul"};
  t["aten::_native_multi_head_attention"] = {native_mha, "MatMul+Add per projection, Reshape/Transpose to heads, attention, out projection"};
}

}  // namespace kiln
