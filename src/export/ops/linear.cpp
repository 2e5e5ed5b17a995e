// aten::linear / addmm / matmul / mm / bmm / t → Gemm or MatMul (+ Add).
#include "export/onnx_attr.h"
#include "export/op_registry.h"

namespace kiln {

namespace {

// linear(x, W, b): Gemm(x, W, b, transB=1) when x is a matrix, else MatMul(x, Wᵀ) + b.
void linear(ExportContext& ctx, const Node* node) {
  auto rank = ctx.rank_of(node->input(0));
  bool has_bias = !ctx.is_none(node->input(2));
  if (rank && *rank == 2) {
    std::vector<std::string> inputs{ctx.in(node->input(0)), ctx.in(node->input(1))};
    if (has_bias) inputs.push_back(ctx.in(node->input(2)));
    auto& n = ctx.add_node("Gemm", inputs, {ctx.out(node->output(), "gemm")});
    set_attr(n, "transB", 1);
    return;
  }
  std::string wt;
  if (auto w = ctx.const_tensor(node->input(1))) {
    wt = ctx.add_initializer(w->t().contiguous(), "weight_t");
  } else {
    wt = ctx.fresh("weight_t");
    auto& tr = ctx.add_node("Transpose", {ctx.in(node->input(1))}, {wt});
    set_attr(tr, "perm", std::vector<int64_t>{1, 0});
  }
  if (!has_bias) {
    ctx.add_node("MatMul", {ctx.in(node->input(0)), wt}, {ctx.out(node->output(), "matmul")});
    return;
  }
  std::string mm = ctx.fresh("matmul");
  ctx.add_node("MatMul", {ctx.in(node->input(0)), wt}, {mm});
  ctx.add_node("Add", {mm, ctx.in(node->input(2))}, {ctx.out(node->output(), "linear")});
}

// addmm(bias, m1, m2, beta, alpha) = beta·bias + alpha·m1·m2
void addmm(ExportContext& ctx, const Node* node) {
  auto& n = ctx.add_node("Gemm", {ctx.in(node->input(1)), ctx.in(node->input(2)), ctx.in(node->input(0))},
                         {ctx.out(node->output(), "gemm")});
  set_attr(n, "beta", ctx.const_double(node->input(3)));
  set_attr(n, "alpha", ctx.const_double(node->input(4)));
}

void matmul(ExportContext& ctx, const Node* node) {
  ctx.add_node("MatMul", {ctx.in(node->input(0)), ctx.in(node->input(1))}, {ctx.out(node->output(), "matmul")});
}

void transpose_2d(ExportContext& ctx, const Node* node) {
  auto rank = ctx.rank_of(node->input(0));
  if (rank && *rank < 2) return alias(ctx, node);
  auto& n = ctx.add_node("Transpose", {ctx.in(node->input(0))}, {ctx.out(node->output(), "transpose")});
  set_attr(n, "perm", std::vector<int64_t>{1, 0});
}

}  // namespace

void add_linear_ops(OpTable& t) {
  t["aten::linear"] = {linear, "Gemm (2-D input) or MatMul + Add"};
  t["aten::addmm"] = {addmm, "Gemm"};
  t["aten::matmul"] = {matmul, "MatMul"};
  t["aten::mm"] = {matmul, "MatMul"};
  t["aten::bmm"] = {matmul, "MatMul"};
  t["aten::t"] = {transpose_2d, "Transpose"};
}

}  // namespace kiln
