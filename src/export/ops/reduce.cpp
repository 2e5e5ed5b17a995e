// mean / sum over all or some dimensions → ReduceMean / ReduceSum.
#include "export/onnx_attr.h"
#include "export/op_registry.h"

namespace kiln {

namespace {

// mean(x[, dtype]) or mean(x, dims, keepdim[, dtype])
void mean(ExportContext& ctx, const Node* node) {
  std::string x = ctx.in(node->input(0));
  if (node->inputs().size() <= 2) {  // over everything → a 0-d tensor
    if (node->inputs().size() == 2 && !ctx.is_none(node->input(1))) unsupported(node, "a dtype argument is not supported");
    reduce_mean(ctx, x, {}, false, ctx.out(node->output(), "mean"));
    return;
  }
  if (node->inputs().size() > 3 && !ctx.is_none(node->input(3))) unsupported(node, "a dtype argument is not supported");
  auto dims = ctx.is_none(node->input(1)) ? std::vector<int64_t>{} : ctx.const_ints(node->input(1));
  reduce_mean(ctx, x, dims, ctx.const_bool(node->input(2)), ctx.out(node->output(), "mean"));
}

// sum(x[, dtype]) or sum(x, dims, keepdim[, dtype]); ReduceSum takes axes as an input since opset 13
void sum(ExportContext& ctx, const Node* node) {
  std::vector<std::string> inputs{ctx.in(node->input(0))};
  bool keepdims = false;
  if (node->inputs().size() > 2) {
    if (!ctx.is_none(node->input(1))) inputs.push_back(ctx.add_int64s(ctx.const_ints(node->input(1)), "axes"));
    keepdims = ctx.const_bool(node->input(2));
  }
  auto& n = ctx.add_node("ReduceSum", inputs, {ctx.out(node->output(), "sum")});
  set_attr(n, "keepdims", static_cast<int64_t>(keepdims));
}

// ReduceL1/L2 with axes as an attribute (opset < 18) or an input (18).
void reduce_norm(ExportContext& ctx, const Node* node, const char* op, const std::vector<int64_t>& axes, bool keepdims) {
  std::vector<std::string> inputs{ctx.in(node->input(0))};
  if (ctx.opset() >= 18 && !axes.empty()) inputs.push_back(ctx.add_int64s(axes, "axes"));
  auto& n = ctx.add_node(op, inputs, {ctx.out(node->output(), "norm")});
  if (ctx.opset() < 18 && !axes.empty()) set_attr(n, "axes", axes);
  set_attr(n, "keepdims", static_cast<int64_t>(keepdims));
}

const char* norm_op(const Node* node, double p) {
  if (p == 2.0) return "ReduceL2";
  if (p == 1.0) return "ReduceL1";
  unsupported(node, "norms other than L1 and L2");
}

// linalg_vector_norm(x, ord, dim?, keepdim, dtype?)
void vector_norm(ExportContext& ctx, const Node* node) {
  if (node->inputs().size() > 4 && !ctx.is_none(node->input(4))) unsupported(node, "a dtype argument");
  auto axes = ctx.is_none(node->input(2)) ? std::vector<int64_t>{} : ctx.const_ints(node->input(2));
  reduce_norm(ctx, node, norm_op(node, ctx.const_double(node->input(1))), axes, ctx.const_bool(node->input(3)));
}

// norm(x, p?, dim, keepdim) (the ScalarOpt_dim form F.normalize uses)
void norm(ExportContext& ctx, const Node* node) {
  if (node->inputs().size() != 4) unsupported(node, "this form of norm");
  double p = ctx.is_none(node->input(1)) ? 2.0 : ctx.const_double(node->input(1));
  reduce_norm(ctx, node, norm_op(node, p), ctx.const_ints(node->input(2)), ctx.const_bool(node->input(3)));
}

}  // namespace

void add_reduce_ops(OpTable& t) {
  t["aten::linalg_vector_norm"] = {vector_norm, "ReduceL2 / ReduceL1"};
  t["aten::norm"] = {norm, "ReduceL2 / ReduceL1"};
  t["aten::mean"] = {mean, "ReduceMean"};
  t["aten::sum"] = {sum, "ReduceSum"};
}

}  // namespace kiln
