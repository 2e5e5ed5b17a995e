// Normalization: batch_norm → BatchNormalization (kept as a node: folding it is the optimizer's
// job) or batch statistics; layer_norm / native_layer_norm → LayerNormalization (opset ≥ 17) or
// its decomposition; group_norm and instance_norm → InstanceNormalization (groups by Reshape);
// _weight_norm → ReduceL2.
#include <ATen/ATen.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"

namespace kiln {

namespace {

at::TensorOptions options_like(ExportContext& ctx, const std::string& x) {
  return at::TensorOptions().dtype(torch_dtype(type_or_float(ctx, x)).value_or(at::kFloat));
}

// The channel count (dim 1) of x, from a weight when x's is dynamic.
int64_t channels(ExportContext& ctx, const Node* node, const Value* x, std::initializer_list<const Value*> params) {
  auto dims = ctx.dims_of(x);
  if (dims && dims->size() > 1 && (*dims)[1] >= 0) return (*dims)[1];
  for (const Value* p : params) {
    if (ctx.is_none(p)) continue;
    if (auto pd = ctx.dims_of(p); pd && pd->size() == 1 && (*pd)[0] >= 0) return (*pd)[0];
  }
  unsupported(node, "the channel count (dim 1) must be static");
}

// Per-channel parameter [C] reshaped to broadcast against [N, C, ...] of rank `rank`.
std::string per_channel(ExportContext& ctx, const std::string& p, int64_t rank) {
  std::vector<int64_t> shape{-1};
  for (int64_t i = 2; i < rank; ++i) shape.push_back(1);
  return emit(ctx, "Reshape", {p, ctx.add_int64s(shape, "channel_shape")}, "per_channel");
}

// y = (x − mean) / sqrt(var + eps) over `axes`, keepdims; returns y, and mean / rstd if asked.
std::string normalize_over(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& axes, double eps,
                           std::string* mean_out = nullptr, std::string* rstd_out = nullptr) {
  std::string mean = emit_reduce(ctx, "ReduceMean", x, axes, true);
  std::string d = emit(ctx, "Sub", {x, mean}, "centered");
  std::string var = emit_reduce(ctx, "ReduceMean", emit(ctx, "Mul", {d, d}, "sq"), axes, true);
  std::string sd = emit(ctx, "Sqrt", {emit(ctx, "Add", {var, constant_like(ctx, eps, x, "eps")}, "var_eps")}, "std");
  if (mean_out) *mean_out = mean;
  if (rstd_out) *rstd_out = emit(ctx, "Reciprocal", {sd}, "rstd");
  return emit(ctx, "Div", {d, sd}, "normalized");
}

std::string affine(ExportContext& ctx, std::string y, const std::optional<std::string>& w,
                   const std::optional<std::string>& b, const std::string& out) {
  if (w) y = emit(ctx, "Mul", {y, *w}, "scaled", b ? "" : out);
  if (b) y = emit(ctx, "Add", {y, *b}, "shifted", out);
  if (!w && !b) y = emit(ctx, "Identity", {y}, "norm", out);
  return y;
}

// batch_norm(input, weight?, bias?, running_mean?, running_var?, training, momentum, eps, cudnn)
void batch_norm(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  bool has_stats = !a.is_none(3) && !a.is_none(4);
  if (a.b(5) || !has_stats) {
    // Batch statistics: training mode, or a BatchNorm without running statistics
    // (track_running_stats=False uses them in eval too).
    if (has_stats) unsupported(node, "training-mode batch norm (call eval() before saving)");
    int64_t rank = rank_or_fail(ctx, node, a.value(0));
    std::vector<int64_t> axes{0};
    for (int64_t i = 2; i < rank; ++i) axes.push_back(i);
    std::string y = normalize_over(ctx, x, axes, a.f(7));
    auto w = a.opt_tensor(1), b = a.opt_tensor(2);
    if (w) w = per_channel(ctx, *w, rank);
    if (b) b = per_channel(ctx, *b, rank);
    affine(ctx, y, w, b, ctx.out(node->output(), "batch_norm"));
    return;
  }
  int64_t c = channels(ctx, node, a.value(0), {a.value(3), a.value(1)});
  std::string scale = or_make(a.opt_tensor(1), [&] { return ctx.add_initializer(at::ones({c}, options_like(ctx, x)), "bn_scale"); });
  std::string bias = or_make(a.opt_tensor(2), [&] { return ctx.add_initializer(at::zeros({c}, options_like(ctx, x)), "bn_bias"); });
  auto& n = ctx.add_node("BatchNormalization", {x, scale, bias, a.tensor(3), a.tensor(4)}, {ctx.out(node->output(), "bn")});
  set_attr(n, "epsilon", a.f(7));
}

// layer_norm(input, normalized_shape, weight?, bias?, eps, cudnn_enable) and
// native_layer_norm(input, normalized_shape, weight?, bias?, eps) → (out, mean, rstd)
void layer_norm_impl(ExportContext& ctx, const Node* node, const Args& a, bool native) {
  const auto& shape = a.ints(1);
  auto k = static_cast<int64_t>(shape.size());
  double eps = a.f(4);
  std::string x = a.tensor(0);
  std::string out = ctx.out(node->output(0), "layer_norm");
  if (ctx.opset() >= 17) {
    std::string weight = or_make(a.opt_tensor(2), [&] { return ctx.add_initializer(at::ones(shape, options_like(ctx, x)), "ln_weight"); });
    std::vector<std::string> inputs{x, weight};
    if (auto b = a.opt_tensor(3)) inputs.push_back(*b);
    std::vector<std::string> outs{out};
    if (native) {
      outs.push_back(ctx.out(node->output(1), "ln_mean"));
      outs.push_back(ctx.out(node->output(2), "ln_rstd"));
    }
    auto& n = ctx.add_node("LayerNormalization", inputs, outs);
    set_attr(n, "axis", -k);
    set_attr(n, "epsilon", eps);
    return;
  }
  std::vector<int64_t> axes;
  for (int64_t i = -k; i < 0; ++i) axes.push_back(i);
  std::string mean, rstd;
  std::string y = normalize_over(ctx, x, axes, eps, &mean, &rstd);
  affine(ctx, y, a.opt_tensor(2), a.opt_tensor(3), out);
  if (native) {
    ctx.bind(node->output(1), mean);
    ctx.bind(node->output(2), rstd);
  }
}
void layer_norm(ExportContext& c, const Node* n, const Args& a) { layer_norm_impl(c, n, a, false); }
void native_layer_norm(ExportContext& c, const Node* n, const Args& a) { layer_norm_impl(c, n, a, true); }

// group_norm(input, num_groups, weight?, bias?, eps, cudnn): x as [N, G, −1] through
// InstanceNormalization (unit scale), back to x's shape, then the per-channel affine.
void group_norm(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  int64_t groups = a.i(1);
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  std::string grouped = emit(ctx, "Reshape", {x, ctx.add_int64s({0, groups, -1}, "group_shape")}, "grouped");
  auto opts = options_like(ctx, x);
  auto& n = ctx.add_node("InstanceNormalization",
                         {grouped, ctx.add_initializer(at::ones({groups}, opts), "gn_scale"),
                          ctx.add_initializer(at::zeros({groups}, opts), "gn_bias")},
                         {ctx.fresh("group_normalized")});
  set_attr(n, "epsilon", a.f(4));
  std::string y = emit_reshape_like(ctx, n.output(0), x, "ungrouped");
  auto w = a.opt_tensor(2), b = a.opt_tensor(3);
  if (w) w = per_channel(ctx, *w, rank);
  if (b) b = per_channel(ctx, *b, rank);
  affine(ctx, y, w, b, ctx.out(node->output(), "group_norm"));
}

// instance_norm(input, weight?, bias?, running_mean?, running_var?, use_input_stats, momentum,
// eps, cudnn): InstanceNormalization; with use_input_stats=False the running statistics apply,
// as in BatchNormalization.
void instance_norm(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (!a.b(5)) {
    if (a.is_none(3) || a.is_none(4)) unsupported(node, "use_input_stats=False without running statistics");
    int64_t c = channels(ctx, node, a.value(0), {a.value(3), a.value(1)});
    std::string scale = or_make(a.opt_tensor(1), [&] { return ctx.add_initializer(at::ones({c}, options_like(ctx, x)), "in_scale"); });
    std::string bias = or_make(a.opt_tensor(2), [&] { return ctx.add_initializer(at::zeros({c}, options_like(ctx, x)), "in_bias"); });
    auto& n = ctx.add_node("BatchNormalization", {x, scale, bias, a.tensor(3), a.tensor(4)},
                           {ctx.out(node->output(), "instance_norm")});
    set_attr(n, "epsilon", a.f(7));
    return;
  }
  int64_t c = channels(ctx, node, a.value(0), {a.value(1), a.value(2)});
  std::string scale = or_make(a.opt_tensor(1), [&] { return ctx.add_initializer(at::ones({c}, options_like(ctx, x)), "in_scale"); });
  std::string bias = or_make(a.opt_tensor(2), [&] { return ctx.add_initializer(at::zeros({c}, options_like(ctx, x)), "in_bias"); });
  auto& n = ctx.add_node("InstanceNormalization", {x, scale, bias}, {ctx.out(node->output(), "InstanceNormalization")});
  set_attr(n, "epsilon", a.f(7));
}

// _weight_norm(v, g, dim) = v · g / ‖v‖ (the norm over every dim but `dim`; dim −1: over all)
void weight_norm(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = a.i(2);
  std::vector<int64_t> axes;
  if (dim != -1) dim = normalize_dim(node, dim, rank);
  for (int64_t i = 0; i < rank; ++i)
    if (i != dim) axes.push_back(i);
  std::string v = a.tensor(0);
  std::string norm = emit_reduce(ctx, "ReduceL2", v, axes, true);
  std::string scaled = emit(ctx, "Div", {a.tensor(1), norm}, "g_over_norm");
  ctx.add_node("Mul", {v, scaled}, {ctx.out(node->output(), "weight_norm")});
}

}  // namespace

void register_norm_ops(OpRegistry& r) {
  r.add("aten::batch_norm", "v v? v? v? v? b f f b", batch_norm,
        "BatchNormalization (running statistics) or ReduceMean/Sub/Div (batch statistics)");
  r.add("aten::layer_norm", "v is v? v? f b", layer_norm, "ReduceMean/Sub/Mul/Sqrt/Div");
  r.add("aten::layer_norm", "v is v? v? f b", layer_norm, "LayerNormalization", {.since = 17});
  r.add("aten::native_layer_norm", "v is v? v? f", native_layer_norm, "ReduceMean/Sub/Mul/Sqrt/Div (+ mean, rstd)");
  r.add("aten::native_layer_norm", "v is v? v? f", native_layer_norm, "LayerNormalization (3 outputs)", {.since = 17});
  r.add("aten::group_norm", "v i v? v? f b", group_norm, "Reshape + InstanceNormalization + Reshape + Mul/Add");
  r.add("aten::instance_norm", "v v? v? v? v? b f f b", instance_norm,
        "InstanceNormalization (or BatchNormalization with running statistics)");
  r.add("aten::_weight_norm", "v v i", weight_norm, "ReduceL2 + Div + Mul");
}

}  // namespace kiln
