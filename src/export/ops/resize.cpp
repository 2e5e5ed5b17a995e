// interpolate / upsample → Resize: nearest (PyTorch's floor of the asymmetric mapping) and
// linear / bilinear (align_corners → "align_corners", else "pytorch_half_pixel"), to a size or by
// scale factors; pixel_shuffle → DepthToSpace (CRD).
#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// The Resize: `sizes` for an output size (batch and channels from the input at run time), else
// `scales` from the scale factors.
void emit_resize(ExportContext& ctx, const Node* node, const Value* output_size, const Value* scale_factors,
                 const std::string& mode, const std::string& coordinates, size_t spatial) {
  std::string x = ctx.in(node->input(0));
  std::vector<std::string> inputs{x, ""};
  if (!ctx.is_none(output_size)) {
    std::string shape = ctx.fresh("shape_of"), lead = ctx.fresh("batch_channels");
    ctx.add_node("Shape", {x}, {shape});
    ctx.add_node("Slice", {shape, ctx.add_int64s({0}, "starts"), ctx.add_int64s({2}, "ends")}, {lead});
    std::string sizes = ctx.fresh("sizes");
    auto& cat = ctx.add_node("Concat", {lead, pack_int_list(ctx, node, output_size)}, {sizes});
    set_attr(cat, "axis", 0);
    inputs.push_back("");
    inputs.push_back(sizes);
  } else {
    if (ctx.is_none(scale_factors)) unsupported(node, "neither an output size nor scale factors");
    auto iv = ctx.constant(scale_factors);
    std::vector<double> f = iv.isDoubleList() ? iv.toDoubleVector() : std::vector<double>{iv.toDouble()};
    if (f.size() == 1 && spatial > 1) f.assign(spatial, f[0]);
    std::vector<float> scales{1.0f, 1.0f};
    for (double v : f) scales.push_back(static_cast<float>(v));
    inputs.push_back(ctx.add_initializer(at::tensor(scales, at::kFloat), "scales"));
  }
  auto& n = ctx.add_node("Resize", inputs, {ctx.out(node->output(), "resize")});
  set_attr(n, "mode", mode);
  set_attr(n, "coordinate_transformation_mode", coordinates);
  if (mode == "nearest") set_attr(n, "nearest_mode", std::string("floor"));
}

bool vec_overload(const Node* node) {
  const auto* schema = node->maybeSchema();
  return schema != nullptr && schema->overload_name() == "vec";
}

size_t spatial_rank(const Node* node) {
  std::string k = node->kind().toUnqualString();
  return k.find("3d") != std::string::npos ? 3 : k.find("2d") != std::string::npos ? 2 : 1;
}

// upsample_nearest{1,2,3}d(input, output_size?, scale_factors?) (the .vec form) or
// (input, output_size, scales...) (the sized form)
void nearest(ExportContext& ctx, const Node* node) {
  if (!vec_overload(node)) {  // (input, output_size, scales...): the size decides
    return emit_resize(ctx, node, node->input(1), node->input(1), "nearest", "asymmetric", spatial_rank(node));
  }
  emit_resize(ctx, node, node->input(1), node->input(2), "nearest", "asymmetric", spatial_rank(node));
}

// upsample_{linear1d,bilinear2d,trilinear3d}(input, output_size?, align_corners, scale_factors?)
void linear(ExportContext& ctx, const Node* node) {
  bool align = ctx.const_bool(node->input(2));
  const Value* scales = vec_overload(node) ? node->input(3) : node->input(1);
  emit_resize(ctx, node, node->input(1), scales, "linear", align ? "align_corners" : "pytorch_half_pixel",
              spatial_rank(node));
}

// pixel_shuffle(x, r): [N, C·r², H, W] → [N, C, H·r, W·r], DepthToSpace in CRD order
void pixel_shuffle(ExportContext& ctx, const Node* node) {
  auto& n = ctx.add_node("DepthToSpace", {ctx.in(node->input(0))}, {ctx.out(node->output(), "pixel_shuffle")});
  set_attr(n, "blocksize", ctx.const_int(node->input(1)));
  set_attr(n, "mode", std::string("CRD"));
}

}  // namespace

void add_resize_ops(OpTable& t) {
  for (const char* k : {"aten::upsample_nearest1d", "aten::upsample_nearest2d", "aten::upsample_nearest3d"}) {
    t[k] = {nearest, "Resize (nearest, asymmetric, floor)"};
  }
  for (const char* k : {"aten::upsample_linear1d", "aten::upsample_bilinear2d", "aten::upsample_trilinear3d"}) {
    t[k] = {linear, "Resize (linear; align_corners or pytorch_half_pixel)"};
  }
  t["aten::pixel_shuffle"] = {pixel_shuffle, "DepthToSpace (CRD)"};
}

}  // namespace kiln
