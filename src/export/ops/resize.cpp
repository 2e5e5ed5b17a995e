// Resampling: interpolate / upsample → Resize (nearest: PyTorch's floor of the asymmetric mapping;
// nearest-exact; linear / bilinear / trilinear and bicubic with align_corners or
// pytorch_half_pixel; antialias from opset 18), to a size or by scale factors;
// pixel_shuffle → DepthToSpace (CRD), pixel_unshuffle → Reshape/Transpose; grid_sampler →
// GridSample (opset 16; renamed modes from 20); affine_grid_generator → a constant base grid and
// a MatMul.
#include <cmath>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

struct ResizeMode {
  std::string mode;         // ONNX: nearest, linear, cubic
  std::string coordinates;  // ONNX coordinate_transformation_mode
  std::string nearest;      // ONNX nearest_mode
  bool antialias = false;
};

// The Resize: `sizes` for an output size (batch and channels from the input at run time), else
// `scales` from the scale factors.
void emit_resize(ExportContext& ctx, const Node* node, const std::string& x, const Value* output_size,
                 std::optional<std::vector<double>> factors, const ResizeMode& m, size_t spatial) {
  std::vector<std::string> inputs{x, ""};
  if (output_size != nullptr && !ctx.is_none(output_size)) {
    std::string lead = emit(ctx, "Slice", {emit_shape(ctx, x), ctx.add_int64s({0}, "starts"), ctx.add_int64s({2}, "ends")}, "batch_channels");
    std::string sizes_part;
    if (ctx.is_static(output_size)) {
      auto s = ctx.const_ints(output_size);
      if (s.size() == 1 && spatial > 1) s.assign(spatial, s[0]);
      sizes_part = ctx.add_int64s(s, "size");
    } else {
      sizes_part = pack_int_list(ctx, node, output_size);
    }
    auto& cat = ctx.add_node("Concat", {lead, sizes_part}, {ctx.fresh("sizes")});
    set_attr(cat, "axis", int64_t{0});
    inputs.push_back("");
    inputs.push_back(cat.output(0));
  } else {
    if (!factors) unsupported(node, "neither an output size nor scale factors");
    auto f = *factors;
    if (f.size() == 1 && spatial > 1) f.assign(spatial, f[0]);
    std::vector<float> scales{1.0f, 1.0f};
    for (double v : f) scales.push_back(static_cast<float>(v));
    inputs.push_back(ctx.add_initializer(at::tensor(scales, at::kFloat), "scales"));
  }
  auto& n = ctx.add_node("Resize", inputs, {ctx.out(node->output(), "resize")});
  set_attr(n, "mode", m.mode);
  set_attr(n, "coordinate_transformation_mode", m.coordinates);
  if (m.mode == "nearest") set_attr(n, "nearest_mode", m.nearest);
  if (m.mode == "cubic") set_attr(n, "cubic_coeff_a", -0.75);
  if (m.antialias) set_attr(n, "antialias", int64_t{1});
}

size_t spatial_rank(const Node* node) {
  std::string k = node->kind().toUnqualString();
  return k.find("3d") != std::string::npos ? 3 : k.find("2d") != std::string::npos ? 2 : 1;
}

std::optional<std::vector<double>> factors_of(ExportContext& ctx, const Value* v) {
  if (v == nullptr || ctx.is_none(v)) return std::nullopt;
  auto iv = ctx.constant(v);
  if (iv.isDoubleList()) return iv.toDoubleVector();
  return std::vector<double>{iv.toDouble()};
}

// The non-.vec forms end in per-axis optional scales: used only when the size is not given.
std::optional<std::vector<double>> trailing_scales(ExportContext& ctx, const Args& a, size_t first) {
  std::vector<double> f;
  for (size_t i = first; i < a.size(); ++i) {
    if (a.is_none(i) || !ctx.is_static(a.value(i))) return std::nullopt;
    f.push_back(ctx.const_double(a.value(i)));
  }
  return f;
}

ResizeMode nearest_mode() { return {"nearest", "asymmetric", "floor"}; }
ResizeMode linear_mode(bool align, const char* mode = "linear") {
  return {mode, align ? "align_corners" : "pytorch_half_pixel", "", false};
}

// upsample_nearest{1,2,3}d(input, output_size, scales...) / .vec(input, output_size?, scale_factors?)
void nearest(ExportContext& ctx, const Node* node, const Args& a) {
  emit_resize(ctx, node, a.tensor(0), a.value(1), trailing_scales(ctx, a, 2), nearest_mode(), spatial_rank(node));
}
void nearest_vec(ExportContext& ctx, const Node* node, const Args& a) {
  emit_resize(ctx, node, a.tensor(0), a.value(1), factors_of(ctx, a.value(2)), nearest_mode(), spatial_rank(node));
}
// _upsample_nearest_exact{1,2,3}d: floor((dst + 0.5) · in/out) = half_pixel + round_prefer_ceil
void nearest_exact(ExportContext& ctx, const Node* node, const Args& a) {
  emit_resize(ctx, node, a.tensor(0), a.value(1), trailing_scales(ctx, a, 2), {"nearest", "half_pixel", "round_prefer_ceil"},
              spatial_rank(node));
}
void nearest_exact_vec(ExportContext& ctx, const Node* node, const Args& a) {
  emit_resize(ctx, node, a.tensor(0), a.value(1), factors_of(ctx, a.value(2)), {"nearest", "half_pixel", "round_prefer_ceil"},
              spatial_rank(node));
}
// Antialiased bilinear / bicubic resampling over static sizes: separable and linear, so y = A_h ·
// x · A_wᵀ; the matrices are what LibTorch's own kernel gives for identity inputs (exact, and the
// same filter PyTorch uses, which ONNX Resize's antialias does not reproduce).
bool antialias_by_matrices(ExportContext& ctx, const Node* node, const std::string& x, bool cubic, bool align,
                           const Value* output_size, const std::optional<std::vector<double>>& factors) {
  auto shape = ctx.shape_of(x);
  if (!shape || shape->size() != 4 || (*shape)[2] < 0 || (*shape)[3] < 0) return false;
  int64_t in_h = (*shape)[2], in_w = (*shape)[3];
  std::vector<int64_t> out;
  std::optional<double> sh, sw;
  if (output_size != nullptr && !ctx.is_none(output_size) && ctx.is_static(output_size)) {
    out = ctx.const_ints(output_size);
    if (out.size() == 1) out.push_back(out[0]);
  } else if (factors) {
    auto f = *factors;
    if (f.size() == 1) f.push_back(f[0]);
    sh = f[0];
    sw = f[1];
    out = {static_cast<int64_t>(std::floor(static_cast<double>(in_h) * f[0])), static_cast<int64_t>(std::floor(static_cast<double>(in_w) * f[1]))};
  } else {
    return false;
  }
  auto matrix = [&](int64_t in, int64_t o, std::optional<double> scale) {
    auto eye = at::eye(in, at::kDouble).reshape({1, in, 1, in});
    at::Tensor y = cubic ? at::_upsample_bicubic2d_aa(eye, {1, o}, align, 1.0, scale)
                         : at::_upsample_bilinear2d_aa(eye, {1, o}, align, 1.0, scale);
    return y.reshape({in, o}).t().contiguous();  // [o, in]
  };
  auto dtype = torch_dtype(type_or_float(ctx, x)).value_or(at::kFloat);
  auto aw = matrix(in_w, out[1], sw).to(dtype), ah = matrix(in_h, out[0], sh).to(dtype);
  std::string y = emit(ctx, "MatMul", {x, ctx.add_initializer(aw.t(), "resample_w")}, "resample_w");
  ctx.add_node("MatMul", {ctx.add_initializer(ah, "resample_h"), y}, {ctx.out(node->output(), "resample")});
  return true;
}

// upsample_{linear1d,bilinear2d,trilinear3d,bicubic2d}(input, output_size, align_corners, scales...)
Converter interpolating(const char* mode, bool vec, bool antialias = false) {
  return [mode, vec, antialias](ExportContext& ctx, const Node* node, const Args& a) {
    ResizeMode m = linear_mode(a.b(2), mode);
    m.antialias = antialias;
    auto f = vec ? factors_of(ctx, a.value(3)) : trailing_scales(ctx, a, 3);
    if (antialias && antialias_by_matrices(ctx, node, a.tensor(0), std::string(mode) == "cubic", a.b(2), a.value(1), f)) return;
    if (antialias && ctx.opset() < 18) unsupported(node, "antialiased resampling of run-time sizes needs opset 18 (Resize's antialias)");
    emit_resize(ctx, node, a.tensor(0), a.value(1), f, m, spatial_rank(node));
  };
}

// __interpolate(input, size?, scale_factor?, mode, align_corners?, recompute_scale_factor?, antialias)
void interpolate(ExportContext& ctx, const Node* node, const Args& a) {
  const std::string& mode = a.s(3);
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  size_t spatial = static_cast<size_t>(rank - 2);
  bool align = a.opt_b(4).value_or(false);
  ResizeMode m;
  if (mode == "nearest") m = nearest_mode();
  else if (mode == "nearest-exact") m = {"nearest", "half_pixel", "round_prefer_ceil"};
  else if (mode == "linear" || mode == "bilinear" || mode == "trilinear") m = linear_mode(align);
  else if (mode == "bicubic") m = linear_mode(align, "cubic");
  else unsupported(node, "mode '" + mode + "'");
  if (a.b(6)) {
    if ((m.mode == "linear" || m.mode == "cubic") && spatial == 2 &&
        antialias_by_matrices(ctx, node, a.tensor(0), m.mode == "cubic", align, a.value(1), factors_of(ctx, a.value(2)))) {
      return;
    }
    if (ctx.opset() < 18) unsupported(node, "antialias=True over run-time sizes needs opset 18");
    m.antialias = true;
  }
  emit_resize(ctx, node, a.tensor(0), a.value(1), factors_of(ctx, a.value(2)), m, spatial);
}

// pixel_shuffle(x, r): [N, C·r², H, W] → [N, C, H·r, W·r], DepthToSpace in CRD order
void pixel_shuffle(ExportContext& ctx, const Node* node, const Args& a) {
  auto& n = ctx.add_node("DepthToSpace", {a.tensor(0)}, {ctx.out(node->output(), "pixel_shuffle")});
  set_attr(n, "blocksize", a.i(1));
  set_attr(n, "mode", std::string("CRD"));
}

// pixel_unshuffle(x, r): [N, C, H·r, W·r] → [N, C·r², H, W] with channel c·r² + i·r + j (not
// SpaceToDepth's order): Reshape to [N, C, H, r, W, r], Transpose, Reshape.
void pixel_unshuffle(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t r = a.i(1);
  auto dims = ctx.dims_of(a.value(0));
  if (!dims || dims->size() != 4) unsupported(node, "a 4-D input of known rank");
  int64_t c = (*dims)[1], h = (*dims)[2], w = (*dims)[3];
  if (c < 0 || h < 0 || w < 0) unsupported(node, "channels, height and width must be static");
  std::string x = emit(ctx, "Reshape", {a.tensor(0), ctx.add_int64s({0, c, h / r, r, w / r, r}, "blocks")}, "blocks");
  std::string t = emit_transpose(ctx, x, {0, 1, 3, 5, 2, 4});
  ctx.add_node("Reshape", {t, ctx.add_int64s({0, c * r * r, h / r, w / r}, "unshuffled")}, {ctx.out(node->output(), "pixel_unshuffle")});
}

// grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners) → GridSample
Converter grid_sampler(bool renamed_modes) {
  return [renamed_modes](ExportContext& ctx, const Node* node, const Args& a) {
    static const char* old_modes[] = {"bilinear", "nearest", "bicubic"};
    static const char* new_modes[] = {"linear", "nearest", "cubic"};
    static const char* paddings[] = {"zeros", "border", "reflection"};
    int64_t mode = a.i(2), padding = a.i(3);
    if (mode < 0 || mode > 2 || padding < 0 || padding > 2) unsupported(node, "an unknown interpolation or padding mode");
    if (!renamed_modes && rank_or_fail(ctx, node, a.value(0)) != 4) unsupported(node, "a 5-D grid_sampler needs opset 20");
    auto& n = ctx.add_node("GridSample", {a.tensor(0), a.tensor(1)}, {ctx.out(node->output(), "grid_sample")});
    set_attr(n, "mode", std::string(renamed_modes ? new_modes[mode] : old_modes[mode]));
    set_attr(n, "padding_mode", std::string(paddings[padding]));
    set_attr(n, "align_corners", static_cast<int64_t>(a.b(4)));
  };
}

// affine_grid_generator(theta [N, 2, 3], size [N, C, H, W], align_corners): the base grid of
// (x, y, 1) points is a constant; grid = base · θᵀ → [N, H, W, 2] (3-D alike).
// The size list may be built at run time (`[t.size(0), C, H, W]`): only the spatial sizes must be
// known at export, N comes from θ.
std::vector<int64_t> grid_size(ExportContext& ctx, const Node* node, const Value* list) {
  if (ctx.is_static(list)) return ctx.const_ints(list);
  auto elems = ctx.list_elements(list);
  if (!elems) unsupported(node, "a size list kiln does not track");
  std::vector<int64_t> size;
  for (size_t i = 0; i < elems->size(); ++i) {
    const Value* e = (*elems)[i];
    if (i < 2 && !ctx.is_static(e)) size.push_back(-1);  // N and C: unused
    else if (ctx.is_static(e)) size.push_back(ctx.const_int(e));
    else unsupported(node, fmt::format("spatial size {} computed at run time", i - 2));
  }
  return size;
}

void affine_grid(ExportContext& ctx, const Node* node, const Args& a) {
  const std::vector<int64_t> size = grid_size(ctx, node, a.value(1));
  bool align = a.b(2);
  auto lin = [&](int64_t n) {
    if (n <= 1) return at::zeros({std::max<int64_t>(n, 1)}, at::kFloat);
    auto r = at::linspace(-1, 1, n, at::kFloat);
    return align ? r : r * (static_cast<double>(n - 1) / static_cast<double>(n));
  };
  at::Tensor base;
  if (size.size() == 4) {
    auto ys = lin(size[2]), xs = lin(size[3]);
    auto grid = at::meshgrid({ys, xs}, "ij");
    base = at::stack({grid[1], grid[0], at::ones_like(grid[0])}, -1).reshape({1, -1, 3});
  } else if (size.size() == 5) {
    auto zs = lin(size[2]), ys = lin(size[3]), xs = lin(size[4]);
    auto grid = at::meshgrid({zs, ys, xs}, "ij");
    base = at::stack({grid[2], grid[1], grid[0], at::ones_like(grid[0])}, -1).reshape({1, -1, 4});
  } else {
    unsupported(node, "a size of other than 4 or 5 dims");
  }
  std::string theta = a.tensor(0);
  std::string b = ctx.add_initializer(base.to(torch_dtype(type_or_float(ctx, theta)).value_or(at::kFloat)), "base_grid");
  std::string prod = emit(ctx, "MatMul", {b, emit_transpose(ctx, theta, {0, 2, 1})}, "grid");
  std::vector<int64_t> shape{0};
  for (size_t i = 2; i < size.size(); ++i) shape.push_back(size[i]);
  shape.push_back(static_cast<int64_t>(size.size()) - 2);
  ctx.add_node("Reshape", {prod, ctx.add_int64s(shape, "grid_shape")}, {ctx.out(node->output(), "affine_grid")});
}

}  // namespace

void register_resize_ops(OpRegistry& r) {
  r.add("aten::upsample_nearest1d|aten::upsample_nearest2d|aten::upsample_nearest3d", "v iv ...", nearest,
        "Resize (nearest, asymmetric, floor)");
  r.add("aten::upsample_nearest1d.vec|aten::upsample_nearest2d.vec|aten::upsample_nearest3d.vec", "v any any", nearest_vec,
        "Resize (nearest, asymmetric, floor)");
  r.add("aten::_upsample_nearest_exact1d|aten::_upsample_nearest_exact2d|aten::_upsample_nearest_exact3d", "v iv ...",
        nearest_exact, "Resize (nearest, half_pixel, round_prefer_ceil)");
  r.add("aten::_upsample_nearest_exact1d.vec|aten::_upsample_nearest_exact2d.vec|aten::_upsample_nearest_exact3d.vec",
        "v any any", nearest_exact_vec, "Resize (nearest, half_pixel, round_prefer_ceil)");
  r.add("aten::upsample_linear1d|aten::upsample_bilinear2d|aten::upsample_trilinear3d", "v iv b ...", interpolating("linear", false),
        "Resize (linear; align_corners or pytorch_half_pixel)");
  r.add("aten::upsample_linear1d.vec|aten::upsample_bilinear2d.vec|aten::upsample_trilinear3d.vec", "v any b any",
        interpolating("linear", true), "Resize (linear; align_corners or pytorch_half_pixel)");
  r.add("aten::upsample_bicubic2d", "v iv b ...", interpolating("cubic", false), "Resize (cubic, a = −0.75)");
  r.add("aten::upsample_bicubic2d.vec", "v any b any", interpolating("cubic", true), "Resize (cubic, a = −0.75)");
  const char* aa = "two MatMuls with LibTorch's own filter (static sizes), else Resize with antialias (opset 18)";
  r.add("aten::_upsample_bilinear2d_aa", "v iv b ...", interpolating("linear", false, true), aa);
  r.add("aten::_upsample_bilinear2d_aa.vec", "v any b any", interpolating("linear", true, true), aa);
  r.add("aten::_upsample_bicubic2d_aa", "v iv b ...", interpolating("cubic", false, true), aa);
  r.add("aten::_upsample_bicubic2d_aa.vec", "v any b any", interpolating("cubic", true, true), aa);
  r.add("aten::__interpolate|aten::__interpolate.scale_list|aten::__interpolate.size_list|aten::__interpolate.size_list_scale_list",
        "v any any s b? b? b", interpolate, "Resize");
  r.add("aten::pixel_shuffle", "v i", pixel_shuffle, "DepthToSpace (CRD)");
  r.add("aten::pixel_unshuffle", "v i", pixel_unshuffle, "Reshape + Transpose + Reshape");
  r.add("aten::grid_sampler|aten::grid_sampler_2d", "v v i i b", grid_sampler(false), "GridSample", {.since = 16});
  r.add("aten::grid_sampler|aten::grid_sampler_2d|aten::grid_sampler_3d", "v v i i b", grid_sampler(true),
        "GridSample (linear/cubic mode names)", {.since = 20});
  r.add("aten::affine_grid_generator", "v any b", affine_grid, "MatMul with a constant base grid + Reshape");
}

}  // namespace kiln
