// max_pool1d/2d → MaxPool, avg_pool1d/2d → AveragePool, adaptive_avg_pool1d/2d → GlobalAveragePool
// (output 1) or AveragePool when the input divides evenly.
#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/spatial_ints.h"

namespace kiln {

namespace {

std::vector<int64_t> symmetric(const std::vector<int64_t>& p) {
  auto pads = p;
  pads.insert(pads.end(), p.begin(), p.end());
  return pads;
}

// Spatial rank from the op's name (max_pool2d → 2): a single kernel size applies to each dim.
size_t spatial_rank(const Node* node) {
  std::string k = node->kind().toUnqualString();
  return k.find("3d") != std::string::npos ? 3 : k.find("2d") != std::string::npos ? 2 : 1;
}

// max_pool(x, kernel, stride, padding, dilation, ceil_mode)
void max_pool(ExportContext& ctx, const Node* node) {
  size_t n = spatial_rank(node);
  auto kernel = per_spatial_dim(ctx.const_ints(node->input(1)), n);
  auto stride = ctx.const_ints(node->input(2));
  if (stride.empty()) stride = kernel;
  auto& op =
      ctx.add_node("MaxPool", {ctx.in(node->input(0))}, {ctx.out(node->output(), "maxpool")});
  set_attr(op, "kernel_shape", kernel);
  set_attr(op, "strides", per_spatial_dim(stride, n));
  set_attr(op, "pads", symmetric(per_spatial_dim(ctx.const_ints(node->input(3)), n)));
  set_attr(op, "dilations", per_spatial_dim(ctx.const_ints(node->input(4)), n));
  set_attr(op, "ceil_mode", static_cast<int64_t>(ctx.const_bool(node->input(5))));
}

// avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad[, divisor_override])
void avg_pool(ExportContext& ctx, const Node* node) {
  if (node->inputs().size() > 6 && !ctx.is_none(node->input(6)))
    unsupported(node, "divisor_override is not supported");
  size_t n = spatial_rank(node);
  auto kernel = per_spatial_dim(ctx.const_ints(node->input(1)), n);
  auto stride = ctx.const_ints(node->input(2));
  if (stride.empty()) stride = kernel;
  auto& op =
      ctx.add_node("AveragePool", {ctx.in(node->input(0))}, {ctx.out(node->output(), "avgpool")});
  set_attr(op, "kernel_shape", kernel);
  set_attr(op, "strides", per_spatial_dim(stride, n));
  set_attr(op, "pads", symmetric(per_spatial_dim(ctx.const_ints(node->input(3)), n)));
  set_attr(op, "ceil_mode", static_cast<int64_t>(ctx.const_bool(node->input(4))));
  set_attr(op, "count_include_pad", static_cast<int64_t>(ctx.const_bool(node->input(5))));
}

// Uneven adaptive average pooling (alexnet's 1×1 → 6×6 at small inputs, 7 → 3): output cell i
// averages input [floor(i·in/out), ceil((i+1)·in/out)) — a fixed linear map per spatial axis, so
// y = P_h · x · P_wᵀ with P[i][j] = 1/len(window i) for j in window i. Exact up to rounding.
void adaptive_by_matrices(ExportContext& ctx, const Node* node, const std::string& x,
                          const std::vector<int64_t>& shape, const std::vector<int64_t>& out_size) {
  size_t offset = shape.size() - out_size.size();
  auto matrix = [](int64_t in, int64_t out) {
    auto p = at::zeros({out, in}, at::kFloat);
    for (int64_t i = 0; i < out; ++i) {
      int64_t start = (i * in) / out, end = ((i + 1) * in + out - 1) / out;
      for (int64_t j = start; j < end; ++j) p[i][j] = 1.0f / static_cast<float>(end - start);
    }
    return p;
  };
  std::string cur = x;
  size_t n = out_size.size();
  if (n > 2) unsupported(node, "uneven adaptive pooling over more than two axes");
  // last axis: x · P_lastᵀ
  auto last = matrix(shape[offset + n - 1], out_size[n - 1]);
  std::string y = n == 1 ? ctx.out(node->output(), "adaptive_avgpool") : ctx.fresh("adaptive_w");
  ctx.add_node("MatMul", {cur, ctx.add_initializer(last.t().contiguous(), "adaptive_pool_w")}, {y});
  cur = y;
  if (n == 2) {
    auto first = matrix(shape[offset], out_size[0]);
    ctx.add_node("MatMul", {ctx.add_initializer(first, "adaptive_pool_h"), cur},
                 {ctx.out(node->output(), "adaptive_avgpool")});
  }
}

// adaptive_avg_pool(x, output_size)
void adaptive_avg_pool(ExportContext& ctx, const Node* node) {
  auto out_size = per_spatial_dim(ctx.const_ints(node->input(1)), spatial_rank(node));
  bool global = true;
  for (auto s : out_size) global &= s == 1;
  std::string x = ctx.in(node->input(0));
  if (global) {
    ctx.add_node("GlobalAveragePool", {x}, {ctx.out(node->output(), "global_avgpool")});
    return;
  }
  auto shape = ctx.shape_of(x);
  if (!shape || shape->size() < out_size.size())
    unsupported(node, "adaptive pooling to a size other than 1 needs a static input shape");
  std::vector<int64_t> kernel;
  size_t offset = shape->size() - out_size.size();
  bool even = true;
  for (size_t i = 0; i < out_size.size(); ++i) {
    int64_t in = (*shape)[offset + i];
    if (in <= 0)
      unsupported(node, "adaptive pooling to a size other than 1 needs static spatial sizes");
    even &= in % out_size[i] == 0;
    kernel.push_back(even ? in / out_size[i] : 0);
  }
  if (!even) return adaptive_by_matrices(ctx, node, x, *shape, out_size);
  auto& op = ctx.add_node("AveragePool", {x}, {ctx.out(node->output(), "avgpool")});
  set_attr(op, "kernel_shape", kernel);
  set_attr(op, "strides", kernel);
}

}  // namespace

void add_pooling_ops(OpTable& t) {
  t["aten::max_pool1d"] = {max_pool, "MaxPool"};
  t["aten::max_pool2d"] = {max_pool, "MaxPool"};
  t["aten::avg_pool1d"] = {avg_pool, "AveragePool"};
  t["aten::avg_pool2d"] = {avg_pool, "AveragePool"};
  t["aten::adaptive_avg_pool1d"] = {adaptive_avg_pool,
                                    "GlobalAveragePool (output 1) or AveragePool (even division)"};
  t["aten::adaptive_avg_pool2d"] = {
      adaptive_avg_pool,
      "GlobalAveragePool (output 1×1), AveragePool (even division) or two MatMuls (uneven)"};
  t["aten::max_pool3d"] = {max_pool, "MaxPool"};
  t["aten::avg_pool3d"] = {avg_pool, "AveragePool"};
  t["aten::adaptive_avg_pool3d"] = {adaptive_avg_pool,
                                    "GlobalAveragePool (output 1) or AveragePool (even division)"};
}

}  // namespace kiln
