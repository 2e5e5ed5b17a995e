// torchvision's ops (detection and segmentation models): nms → NonMaxSuppression, roi_align →
// RoiAlign (opset 16: half_pixel for aligned=True), roi_pool → MaxRoiPool, deform_conv2d →
// DeformConv (opset 19). ps_roi_align / ps_roi_pool have no ONNX form and are refused by name.
#include <ATen/ATen.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"

namespace kiln {

namespace {

// nms(boxes [N, 4] as x1,y1,x2,y2, scores [N], iou_threshold) → kept indices by descending score.
// NonMaxSuppression takes [batch, N, 4] and [batch, classes, N]; IoU is symmetric in x and y, so
// the corner order does not matter; every box may be kept (max_output = N).
void nms(ExportContext& ctx, const Node* node, const Args& a) {
  std::string boxes = emit_unsqueeze(ctx, emit_cast(ctx, a.tensor(0), onnx::TensorProto_DataType_FLOAT), {0});
  std::string scores = emit_unsqueeze(ctx, emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_FLOAT), {0, 1});
  std::string n = emit_dim(ctx, a.tensor(1), 0);
  std::string iou = ctx.add_initializer(at::tensor({static_cast<float>(a.f(2))}, at::kFloat), "iou_threshold");
  std::string selected = emit(ctx, "NonMaxSuppression", {boxes, scores, n, iou}, "selected");
  auto& g = ctx.add_node("Gather", {selected, ctx.add_int64s({2}, "box_index", true)}, {ctx.out(node->output(), "nms")});
  set_attr(g, "axis", int64_t{1});
}

// roi_align(input, rois [K, 5] = (batch, x1, y1, x2, y2), spatial_scale, pooled_h, pooled_w,
// sampling_ratio, aligned) → RoiAlign(input, rois[:, 1:], rois[:, 0] as int64)
void roi_align(ExportContext& ctx, const Node* node, const Args& a) {
  std::string rois = a.tensor(1);
  std::string boxes = emit(ctx, "Slice", {rois, ctx.add_int64s({1}, "starts"), ctx.add_int64s({5}, "ends"), ctx.add_int64s({1}, "axes")}, "boxes");
  auto& bi = ctx.add_node("Gather", {rois, ctx.add_int64s({0}, "batch_column", true)}, {ctx.fresh("batch")});
  set_attr(bi, "axis", int64_t{1});
  std::string batch = emit_cast(ctx, bi.output(0), onnx::TensorProto_DataType_INT64);
  auto& n = ctx.add_node("RoiAlign", {a.tensor(0), boxes, batch}, {ctx.out(node->output(), "roi_align")});
  set_attr(n, "spatial_scale", a.f(2));
  set_attr(n, "output_height", a.i(3));
  set_attr(n, "output_width", a.i(4));
  set_attr(n, "sampling_ratio", std::max<int64_t>(a.i(5), 0));  // -1 (adaptive) is ONNX's 0
  set_attr(n, "mode", std::string("avg"));
  set_attr(n, "coordinate_transformation_mode", std::string(a.b(6) ? "half_pixel" : "output_half_pixel"));
}

// roi_pool(input, rois [K, 5], spatial_scale, pooled_h, pooled_w) → (MaxRoiPool, argmax); the
// argmax output (training only) is refused if the model reads it.
void roi_pool(ExportContext& ctx, const Node* node, const Args& a) {
  if (!node->output(1)->uses().empty()) unsupported(node, "roi_pool's argmax output (used only for training)");
  auto& n = ctx.add_node("MaxRoiPool", {a.tensor(0), a.tensor(1)}, {ctx.out(node->output(0), "roi_pool")});
  set_attr(n, "pooled_shape", std::vector<int64_t>{a.i(3), a.i(4)});
  set_attr(n, "spatial_scale", a.f(2));
}

// deform_conv2d(input, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w,
// groups, offset_groups, use_mask) → DeformConv
void deform_conv2d(ExportContext& ctx, const Node* node, const Args& a) {
  auto w = ctx.dims_of(a.value(1));
  if (!w || w->size() != 4 || (*w)[2] < 0 || (*w)[3] < 0) unsupported(node, "the kernel size must be static");
  std::vector<std::string> inputs{a.tensor(0), a.tensor(1), a.tensor(2), a.tensor(4)};
  if (a.b(13)) inputs.push_back(a.tensor(3));
  auto& n = ctx.add_node("DeformConv", inputs, {ctx.out(node->output(), "deform_conv")});
  set_attr(n, "kernel_shape", std::vector<int64_t>{(*w)[2], (*w)[3]});
  set_attr(n, "strides", std::vector<int64_t>{a.i(5), a.i(6)});
  set_attr(n, "pads", std::vector<int64_t>{a.i(7), a.i(8), a.i(7), a.i(8)});
  set_attr(n, "dilations", std::vector<int64_t>{a.i(9), a.i(10)});
  set_attr(n, "group", a.i(11));
  set_attr(n, "offset_group", a.i(12));
}

void position_sensitive(ExportContext&, const Node* node, const Args&) {
  unsupported(node, "position-sensitive RoI pooling has no ONNX operator (and ONNX Runtime no kernel)");
}

}  // namespace

void register_torchvision_ops(OpRegistry& r) {
  r.add("torchvision::nms", "v v f", nms, "NonMaxSuppression + Gather");
  r.add("torchvision::roi_align", "v v f i i i b", roi_align, "RoiAlign (half_pixel when aligned)", {.since = 16});
  r.add("torchvision::roi_pool", "v v f i i", roi_pool, "MaxRoiPool");
  r.add("torchvision::deform_conv2d", "v v v v v i i i i i i i i b", deform_conv2d, "DeformConv", {.since = 19});
  r.add("torchvision::ps_roi_align|torchvision::ps_roi_pool", "...", position_sensitive, "refused (no ONNX operator)");
}

}  // namespace kiln
