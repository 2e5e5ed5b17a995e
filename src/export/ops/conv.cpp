// aten::conv1d / conv2d / _convolution → ONNX Conv (stride, padding, dilation, groups).
#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/spatial_ints.h"

namespace kiln {

namespace {

// input, weight, bias, stride, padding, dilation, groups (positions shared by conv2d and
// _convolution except groups: _convolution has transposed/output_padding before it).
void emit_conv(ExportContext& ctx, const Node* node, int64_t groups) {
  auto w = ctx.const_tensor(node->input(1));
  auto rank = w ? std::optional<int64_t>(w->dim()) : ctx.rank_of(node->input(1));
  if (!rank) unsupported(node, "the weight's rank is unknown");
  size_t spatial = static_cast<size_t>(*rank - 2);
  auto stride = per_spatial_dim(ctx.const_ints(node->input(3)), spatial);
  auto dilation = per_spatial_dim(ctx.const_ints(node->input(5)), spatial);
  std::vector<int64_t> pads;
  auto padding_iv = ctx.constant(node->input(4));
  if (padding_iv.isString()) {
    if (!w) unsupported(node, "padding='same' needs a constant weight");
    if (padding_iv.toStringRef() == "valid") {
      pads.assign(2 * spatial, 0);
    } else {  // "same": PyTorch pads total = d·(k−1), the extra one at the end
      std::vector<int64_t> begin, end;
      for (size_t i = 0; i < spatial; ++i) {
        int64_t total = dilation[i] * (w->size(static_cast<int64_t>(i) + 2) - 1);
        begin.push_back(total / 2);
        end.push_back(total - total / 2);
      }
      pads = begin;
      pads.insert(pads.end(), end.begin(), end.end());
    }
  } else {
    auto p = per_spatial_dim(padding_iv.toIntVector(), spatial);
    pads = p;
    pads.insert(pads.end(), p.begin(), p.end());
  }
  std::vector<std::string> inputs{ctx.in(node->input(0)), ctx.in(node->input(1))};
  if (!ctx.is_none(node->input(2))) inputs.push_back(ctx.in(node->input(2)));
  auto& n = ctx.add_node("Conv", inputs, {ctx.out(node->output(), "conv")});
  if (w) {
    std::vector<int64_t> kernel(w->sizes().begin() + 2, w->sizes().end());
    set_attr(n, "kernel_shape", kernel);
  }
  set_attr(n, "strides", stride);
  set_attr(n, "pads", pads);
  set_attr(n, "dilations", dilation);
  set_attr(n, "group", groups);
}

void conv(ExportContext& ctx, const Node* node) {
  emit_conv(ctx, node, ctx.const_int(node->input(6)));
}

// input, weight, bias, stride, padding, output_padding, groups, dilation → ConvTranspose (the
// weight layout [C_in, C_out/groups, k...] is ONNX's too).
void emit_conv_transpose(ExportContext& ctx, const Node* node,
                         const std::vector<int64_t>& stride_in, const std::vector<int64_t>& padding,
                         const std::vector<int64_t>& output_padding, int64_t groups,
                         const std::vector<int64_t>& dilation_in) {
  auto w = ctx.const_tensor(node->input(1));
  if (!w) unsupported(node, "a transposed convolution needs a constant weight");
  size_t spatial = static_cast<size_t>(w->dim() - 2);
  auto p = per_spatial_dim(padding, spatial);
  std::vector<int64_t> pads = p;
  pads.insert(pads.end(), p.begin(), p.end());
  std::vector<std::string> inputs{ctx.in(node->input(0)), ctx.in(node->input(1))};
  if (!ctx.is_none(node->input(2))) inputs.push_back(ctx.in(node->input(2)));
  auto& n = ctx.add_node("ConvTranspose", inputs, {ctx.out(node->output(), "conv_transpose")});
  set_attr(n, "kernel_shape", std::vector<int64_t>(w->sizes().begin() + 2, w->sizes().end()));
  set_attr(n, "strides", per_spatial_dim(stride_in, spatial));
  set_attr(n, "pads", pads);
  set_attr(n, "output_padding", per_spatial_dim(output_padding, spatial));
  set_attr(n, "dilations", per_spatial_dim(dilation_in, spatial));
  set_attr(n, "group", groups);
}

// conv_transpose{1,2,3}d(input, weight, bias, stride, padding, output_padding, groups, dilation)
void conv_transpose(ExportContext& ctx, const Node* node) {
  emit_conv_transpose(ctx, node, ctx.const_ints(node->input(3)), ctx.const_ints(node->input(4)),
                      ctx.const_ints(node->input(5)), ctx.const_int(node->input(6)),
                      ctx.const_ints(node->input(7)));
}

// _convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups,
// ...)
void convolution(ExportContext& ctx, const Node* node) {
  if (ctx.const_bool(node->input(6))) {
    return emit_conv_transpose(ctx, node, ctx.const_ints(node->input(3)),
                               ctx.const_ints(node->input(4)), ctx.const_ints(node->input(7)),
                               ctx.const_int(node->input(8)), ctx.const_ints(node->input(5)));
  }
  emit_conv(ctx, node, ctx.const_int(node->input(8)));
}

}  // namespace

void add_conv_ops(OpTable& t) {
  t["aten::conv1d"] = {conv, "Conv"};
  t["aten::conv2d"] = {conv, "Conv"};
  t["aten::conv3d"] = {conv, "Conv"};
  t["aten::_convolution"] = {convolution, "Conv or ConvTranspose"};
  for (const char* k :
       {"aten::conv_transpose1d", "aten::conv_transpose2d", "aten::conv_transpose3d"}) {
    t[k] = {conv_transpose, "ConvTranspose"};
  }
}

}  // namespace kiln
