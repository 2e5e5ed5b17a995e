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

}  // namespace

void add_reduce_ops(OpTable& t) {
  t["aten::mean"] = {mean, "ReduceMean"};
  t["aten::sum"] = {sum, "ReduceSum"};
}

}  // namespace kiln
