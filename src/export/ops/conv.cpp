// Convolutions: conv1d/2d/3d (int or 'same'/'valid' padding), convolution / _convolution /
// _convolution_mode → Conv or ConvTranspose; conv_tbc (time, batch, channel) → Transposes + Conv.
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/spatial_ints.h"

namespace kiln {

namespace {

// The weight's dims (static sizes needed for the kernel and 'same' padding).
std::vector<int64_t> weight_dims(ExportContext& ctx, const Node* node, const Value* w) {
  if (auto t = ctx.const_tensor(w)) return t->sizes().vec();
  auto dims = ctx.dims_of(w);
  if (!dims || dims->size() < 3) unsupported(node, "the weight's rank is unknown");
  for (size_t i = 2; i < dims->size(); ++i)
    if ((*dims)[i] < 0) unsupported(node, "the kernel size must be static");
  return *dims;
}

struct ConvParams {
  std::vector<int64_t> stride, dilation, pads;
  int64_t groups = 1;
};

// int padding, or "valid" / "same" (PyTorch pads total = d·(k−1), the extra one at the end).
std::vector<int64_t> conv_pads(const Node* node, const c10::IValue& padding, const std::vector<int64_t>& wdims,
                               const std::vector<int64_t>& dilation, size_t spatial) {
  if (padding.isString()) {
    if (padding.toStringRef() == "valid") return std::vector<int64_t>(2 * spatial, 0);
    if (padding.toStringRef() != "same") unsupported(node, "padding='" + padding.toStringRef() + "'");
    std::vector<int64_t> begin, end;
    for (size_t i = 0; i < spatial; ++i) {
      int64_t total = dilation[i] * (wdims[i + 2] - 1);
      begin.push_back(total / 2);
      end.push_back(total - total / 2);
    }
    begin.insert(begin.end(), end.begin(), end.end());
    return begin;
  }
  return symmetric_pads(per_spatial_dim(padding.toIntVector(), spatial));
}

void emit_conv(ExportContext& ctx, const Node* node, const Args& a, const std::vector<int64_t>& stride_in,
               const c10::IValue& padding, const std::vector<int64_t>& dilation_in, int64_t groups) {
  auto wdims = weight_dims(ctx, node, a.value(1));
  size_t spatial = wdims.size() - 2;
  auto stride = per_spatial_dim(stride_in, spatial);
  auto dilation = per_spatial_dim(dilation_in, spatial);
  std::vector<std::string> inputs{a.tensor(0), a.tensor(1)};
  if (auto b = a.opt_tensor(2)) inputs.push_back(*b);
  auto& n = ctx.add_node("Conv", inputs, {ctx.out(node->output(), "conv")});
  set_attr(n, "kernel_shape", std::vector<int64_t>(wdims.begin() + 2, wdims.end()));
  set_attr(n, "strides", stride);
  set_attr(n, "pads", conv_pads(node, padding, wdims, dilation, spatial));
  set_attr(n, "dilations", dilation);
  set_attr(n, "group", groups);
}

// input, weight, bias, stride, padding, output_padding, groups, dilation → ConvTranspose (the
// weight layout [C_in, C_out/groups, k...] is ONNX's too).
void emit_conv_transpose(ExportContext& ctx, const Node* node, const Args& a, const std::vector<int64_t>& stride,
                         const std::vector<int64_t>& padding, const std::vector<int64_t>& output_padding, int64_t groups,
                         const std::vector<int64_t>& dilation) {
  auto wdims = weight_dims(ctx, node, a.value(1));
  size_t spatial = wdims.size() - 2;
  std::vector<std::string> inputs{a.tensor(0), a.tensor(1)};
  if (auto b = a.opt_tensor(2)) inputs.push_back(*b);
  auto& n = ctx.add_node("ConvTranspose", inputs, {ctx.out(node->output(), "conv_transpose")});
  set_attr(n, "kernel_shape", std::vector<int64_t>(wdims.begin() + 2, wdims.end()));
  set_attr(n, "strides", per_spatial_dim(stride, spatial));
  set_attr(n, "pads", symmetric_pads(per_spatial_dim(padding, spatial)));
  set_attr(n, "output_padding", per_spatial_dim(output_padding, spatial));
  set_attr(n, "dilations", per_spatial_dim(dilation, spatial));
  set_attr(n, "group", groups);
}

// conv{1,2,3}d(input, weight, bias, stride, padding: int[] or str, dilation, groups)
void conv(ExportContext& ctx, const Node* node, const Args& a) {
  emit_conv(ctx, node, a, a.ints(3), ctx.constant(a.value(4)), a.ints(5), a.i(6));
}

// conv_transpose{1,2,3}d(input, weight, bias, stride, padding, output_padding, groups, dilation)
void conv_transpose(ExportContext& ctx, const Node* node, const Args& a) {
  emit_conv_transpose(ctx, node, a, a.ints(3), a.ints(4), a.ints(5), a.i(6), a.ints(7));
}

// convolution / _convolution(input, weight, bias, stride, padding, dilation, transposed,
// output_padding, groups, ...)
void convolution(ExportContext& ctx, const Node* node, const Args& a) {
  if (a.b(6)) return emit_conv_transpose(ctx, node, a, a.ints(3), a.ints(4), a.ints(7), a.i(8), a.ints(5));
  emit_conv(ctx, node, a, a.ints(3), c10::IValue(a.ints(4)), a.ints(5), a.i(8));
}

// _convolution_mode(input, weight, bias, stride, padding: str, dilation, groups)
void convolution_mode(ExportContext& ctx, const Node* node, const Args& a) {
  emit_conv(ctx, node, a, a.ints(3), c10::IValue(a.s(4)), a.ints(5), a.i(6));
}

// conv_tbc(x [T, B, C_in], weight [K, C_in, C_out], bias [C_out], pad): a 1-D conv over T.
void conv_tbc(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = emit_transpose(ctx, a.tensor(0), {1, 2, 0});   // [B, C_in, T]
  std::string w = emit_transpose(ctx, a.tensor(1), {2, 1, 0});   // [C_out, C_in, K]
  auto wdims = ctx.dims_of(a.value(1));
  if (!wdims || wdims->size() != 3 || (*wdims)[0] < 0) unsupported(node, "the kernel size must be static");
  std::string y = ctx.fresh("conv");
  auto& n = ctx.add_node("Conv", {x, w, a.tensor(2)}, {y});
  set_attr(n, "kernel_shape", std::vector<int64_t>{(*wdims)[0]});
  set_attr(n, "pads", std::vector<int64_t>{a.i(3), a.i(3)});
  auto& t = ctx.add_node("Transpose", {y}, {ctx.out(node->output(), "conv_tbc")});
  set_attr(t, "perm", std::vector<int64_t>{2, 0, 1});
}

}  // namespace

void register_conv_ops(OpRegistry& r) {
  r.add("aten::conv1d|aten::conv2d|aten::conv3d|aten::conv1d.padding|aten::conv2d.padding|aten::conv3d.padding",
        "v v v? is any is i", conv, "Conv");
  r.add("aten::_convolution", "v v v? is is is b is i _ _ _ _", convolution, "Conv or ConvTranspose");
  r.add("aten::_convolution.deprecated", "v v v? is is is b is i _ _ _", convolution, "Conv or ConvTranspose");
  r.add("aten::convolution", "v v v? is is is b is i", convolution, "Conv or ConvTranspose");
  r.add("aten::_convolution_mode", "v v v? is s is i", convolution_mode, "Conv");
  r.add("aten::conv_transpose1d|aten::conv_transpose2d.input|aten::conv_transpose3d.input", "v v v? is is is i is",
        conv_transpose, "ConvTranspose");
  r.add("aten::conv_tbc", "v v v i", conv_tbc, "Transpose + Conv + Transpose");
}

}  // namespace kiln
