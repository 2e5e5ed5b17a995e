// max_pool1d/2d → MaxPool, avg_pool1d/2d → AveragePool, adaptive_avg_pool1d/2d → GlobalAveragePool
// (output 1) or AveragePool when the input divides evenly.
#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"

namespace kiln {

namespace {

std::vector<int64_t> expand(std::vector<int64_t> v, size_t n) {
  if (v.size() == 1 && n > 1) v.assign(n, v[0]);
  return v;
}

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
  auto kernel = expand(ctx.const_ints(node->input(1)), n);
  auto stride = ctx.const_ints(node->input(2));
  if (stride.empty()) stride = kernel;
  auto& op = ctx.add_node("MaxPool", {ctx.in(node->input(0))}, {ctx.out(node->output(), "maxpool")});
  set_attr(op, "kernel_shape", kernel);
  set_attr(op, "strides", expand(stride, n));
  set_attr(op, "pads", symmetric(expand(ctx.const_ints(node->input(3)), n)));
  set_attr(op, "dilations", expand(ctx.const_ints(node->input(4)), n));
  set_attr(op, "ceil_mode", static_cast<int64_t>(ctx.const_bool(node->input(5))));
}

// avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad[, divisor_override])
void avg_pool(ExportContext& ctx, const Node* node) {
  if (node->inputs().size() > 6 && !ctx.is_none(node->input(6))) unsupported(node, "divisor_override is not supported");
  size_t n = spatial_rank(node);
  auto kernel = expand(ctx.const_ints(node->input(1)), n);
  auto stride = ctx.const_ints(node->input(2));
  if (stride.empty()) stride = kernel;
  auto& op = ctx.add_node("AveragePool", {ctx.in(node->input(0))}, {ctx.out(node->output(), "avgpool")});
  set_attr(op, "kernel_shape", kernel);
  set_attr(op, "strides", expand(stride, n));
  set_attr(op, "pads", symmetric(expand(ctx.const_ints(node->input(3)), n)));
  set_attr(op, "ceil_mode", static_cast<int64_t>(ctx.const_bool(node->input(4))));
  set_attr(op, "count_include_pad", static_cast<int64_t>(ctx.const_bool(node->input(5))));
}

// adaptive_avg_pool(x, output_size)
void adaptive_avg_pool(ExportContext& ctx, const Node* node) {
  auto out_size = expand(ctx.const_ints(node->input(1)), spatial_rank(node));
  bool global = true;
  for (auto s : out_size) global &= s == 1;
  std::string x = ctx.in(node->input(0));
  if (global) {
    ctx.add_node("GlobalAveragePool", {x}, {ctx.out(node->output(), "global_avgpool")});
    return;
  }
  auto shape = ctx.shape_of(x);
  if (!shape || shape->size() < out_size.size()) unsupported(node, "adaptive pooling to a size other than 1 needs a static input shape");
  std::vector<int64_t> kernel;
  size_t offset = shape->size() - out_size.size();
  for (size_t i = 0; i < out_size.size(); ++i) {
    int64_t in = (*shape)[offset + i];
    if (in <= 0 || in % out_size[i] != 0) {
      unsupported(node, fmt::format("input size {} does not divide evenly into output size {}", in, out_size[i]));
    }
    kernel.push_back(in / out_size[i]);
  }
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
  t["aten::adaptive_avg_pool1d"] = {adaptive_avg_pool, "GlobalAveragePool (output 1) or AveragePool (even division)"};
  t["aten::adaptive_avg_pool2d"] = {adaptive_avg_pool, "GlobalAveragePool (output 1×1) or AveragePool (even division)"};
}

}  // namespace kiln
