// aten::batch_norm → BatchNormalization (kept as a node: folding it is the optimizer's job);
// aten::layer_norm → LayerNormalization (opset ≥ 17) or its decomposition.
#include <ATen/ATen.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"

namespace kiln {

namespace {

// batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn)
void batch_norm(ExportContext& ctx, const Node* node) {
  if (ctx.const_bool(node->input(5))) unsupported(node, "training-mode batch norm (call eval() before saving)");
  auto mean = ctx.const_tensor(node->input(3));
  auto var = ctx.const_tensor(node->input(4));
  if (!mean || !var) unsupported(node, "running statistics must be constants (a model in eval mode)");
  int64_t c = mean->numel();
  std::string scale = ctx.is_none(node->input(1)) ? ctx.add_initializer(at::ones({c}), "bn_scale") : ctx.in(node->input(1));
  std::string bias = ctx.is_none(node->input(2)) ? ctx.add_initializer(at::zeros({c}), "bn_bias") : ctx.in(node->input(2));
  auto& n = ctx.add_node("BatchNormalization",
                         {ctx.in(node->input(0)), scale, bias, ctx.in(node->input(3)), ctx.in(node->input(4))},
                         {ctx.out(node->output(), "bn")});
  set_attr(n, "epsilon", ctx.const_double(node->input(7)));
}

// layer_norm(input, normalized_shape, weight, bias, eps, cudnn_enable)
void layer_norm(ExportContext& ctx, const Node* node) {
  auto shape = ctx.const_ints(node->input(1));
  auto k = static_cast<int64_t>(shape.size());
  double eps = ctx.const_double(node->input(4));
  std::string x = ctx.in(node->input(0));
  std::string weight = ctx.is_none(node->input(2)) ? ctx.add_initializer(at::ones(shape), "ln_weight") : ctx.in(node->input(2));
  std::string out = ctx.out(node->output(), "layer_norm");
  if (ctx.opset() >= 17) {
    std::vector<std::string> inputs{x, weight};
    if (!ctx.is_none(node->input(3))) inputs.push_back(ctx.in(node->input(3)));
    auto& n = ctx.add_node("LayerNormalization", inputs, {out});
    set_attr(n, "axis", -k);
    set_attr(n, "epsilon", eps);
    return;
  }
  std::vector<int64_t> axes;
  for (int64_t i = -k; i < 0; ++i) axes.push_back(i);
  std::string mean = reduce_mean(ctx, x, axes, true, ctx.fresh("ln_mean"));
  std::string d = ctx.fresh("ln_centered");
  ctx.add_node("Sub", {x, mean}, {d});
  std::string sq = ctx.fresh("ln_sq");
  ctx.add_node("Mul", {d, d}, {sq});
  std::string var = reduce_mean(ctx, sq, axes, true, ctx.fresh("ln_var"));
  std::string ve = ctx.fresh("ln_var_eps");
  ctx.add_node("Add", {var, ctx.add_float_scalar(eps, ctx.float_type(), "ln_eps")}, {ve});
  std::string sd = ctx.fresh("ln_std");
  ctx.add_node("Sqrt", {ve}, {sd});
  std::string norm = ctx.fresh("ln_norm");
  ctx.add_node("Div", {d, sd}, {norm});
  if (ctx.is_none(node->input(3))) {
    ctx.add_node("Mul", {norm, weight}, {out});
  } else {
    std::string scaled = ctx.fresh("ln_scaled");
    ctx.add_node("Mul", {norm, weight}, {scaled});
    ctx.add_node("Add", {scaled, ctx.in(node->input(3))}, {out});
  }
}

}  // namespace

void add_norm_ops(OpTable& t) {
  t["aten::batch_norm"] = {batch_norm, "BatchNormalization"};
  t["aten::layer_norm"] = {layer_norm, "LayerNormalization (opset ≥ 17), else ReduceMean/Sub/Mul/Sqrt/Div"};
}

}  // namespace kiln
