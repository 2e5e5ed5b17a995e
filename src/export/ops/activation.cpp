// Activations: ReLU, ReLU6, LeakyReLU, GELU, SiLU, sigmoid, tanh, hardswish, hardsigmoid,
// hardtanh, clamp, softmax, log-softmax.
#include <cmath>

#include "export/onnx_attr.h"
#include "export/op_registry.h"

namespace kiln {

namespace {

void unary(ExportContext& ctx, const Node* node, const char* op) {
  ctx.add_node(op, {ctx.in(node->input(0))}, {ctx.out(node->output(), op)});
}

void relu(ExportContext& c, const Node* n) { unary(c, n, "Relu"); }
void sigmoid(ExportContext& c, const Node* n) { unary(c, n, "Sigmoid"); }
void tanh_op(ExportContext& c, const Node* n) { unary(c, n, "Tanh"); }

void clip(ExportContext& ctx, const Node* node, std::optional<double> lo, std::optional<double> hi) {
  std::vector<std::string> inputs{ctx.in(node->input(0))};
  inputs.push_back(lo ? ctx.add_float_scalar(*lo, ctx.float_type(), "clip_min") : "");
  if (hi) inputs.push_back(ctx.add_float_scalar(*hi, ctx.float_type(), "clip_max"));
  ctx.add_node("Clip", inputs, {ctx.out(node->output(), "clip")});
}

void relu6(ExportContext& c, const Node* n) { clip(c, n, 0.0, 6.0); }
void hardtanh(ExportContext& c, const Node* n) { clip(c, n, c.const_double(n->input(1)), c.const_double(n->input(2))); }

// clamp(x, min?, max?) with scalar bounds; clamp_min / clamp_max
void clamp(ExportContext& c, const Node* n) {
  std::optional<double> lo, hi;
  if (!c.is_none(n->input(1))) lo = c.const_double(n->input(1));
  if (n->inputs().size() > 2 && !c.is_none(n->input(2))) hi = c.const_double(n->input(2));
  clip(c, n, lo, hi);
}
void clamp_min(ExportContext& c, const Node* n) { clip(c, n, c.const_double(n->input(1)), std::nullopt); }
void clamp_max(ExportContext& c, const Node* n) { clip(c, n, std::nullopt, c.const_double(n->input(1))); }

void leaky_relu(ExportContext& ctx, const Node* node) {
  auto& n = ctx.add_node("LeakyRelu", {ctx.in(node->input(0))}, {ctx.out(node->output(), "leaky_relu")});
  set_attr(n, "alpha", ctx.const_double(node->input(1)));
}

void hardsigmoid(ExportContext& ctx, const Node* node) {
  auto& n = ctx.add_node("HardSigmoid", {ctx.in(node->input(0))}, {ctx.out(node->output(), "hardsigmoid")});
  set_attr(n, "alpha", 1.0 / 6.0);
  set_attr(n, "beta", 0.5);
}

void hardswish(ExportContext& ctx, const Node* node) {
  if (ctx.opset() >= 14) return unary(ctx, node, "HardSwish");
  std::string x = ctx.in(node->input(0)), hs = ctx.fresh("hardsigmoid");
  auto& n = ctx.add_node("HardSigmoid", {x}, {hs});
  set_attr(n, "alpha", 1.0 / 6.0);
  set_attr(n, "beta", 0.5);
  ctx.add_node("Mul", {x, hs}, {ctx.out(node->output(), "hardswish")});
}

void silu(ExportContext& ctx, const Node* node) {
  std::string x = ctx.in(node->input(0)), s = ctx.fresh("sigmoid");
  ctx.add_node("Sigmoid", {x}, {s});
  ctx.add_node("Mul", {x, s}, {ctx.out(node->output(), "silu")});
}

// gelu(x, approximate): exact 0.5·x·(1 + erf(x/√2)); "tanh": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
void gelu(ExportContext& ctx, const Node* node) {
  std::string approx = node->inputs().size() > 1 ? ctx.constant(node->input(1)).toStringRef() : "none";
  std::string x = ctx.in(node->input(0));
  auto scalar = [&](double v, const char* h) { return ctx.add_float_scalar(v, ctx.float_type(), h); };
  std::string inner = ctx.fresh("gelu_inner");
  if (approx == "tanh") {
    std::string x3 = ctx.fresh("gelu_x3"), x2 = ctx.fresh("gelu_x2"), t1 = ctx.fresh("gelu_t1"), t2 = ctx.fresh("gelu_t2"),
                t3 = ctx.fresh("gelu_t3");
    ctx.add_node("Mul", {x, x}, {x2});
    ctx.add_node("Mul", {x2, x}, {x3});
    ctx.add_node("Mul", {x3, scalar(0.044715, "gelu_c")}, {t1});
    ctx.add_node("Add", {x, t1}, {t2});
    ctx.add_node("Mul", {t2, scalar(std::sqrt(2.0 / M_PI), "gelu_k")}, {t3});
    ctx.add_node("Tanh", {t3}, {inner});
  } else if (approx == "none") {
    std::string scaled = ctx.fresh("gelu_scaled");
    ctx.add_node("Div", {x, scalar(std::sqrt(2.0), "sqrt2")}, {scaled});
    ctx.add_node("Erf", {scaled}, {inner});
  } else {
    unsupported(node, "unknown approximate='" + approx + "'");
  }
  std::string plus1 = ctx.fresh("gelu_plus1"), half = ctx.fresh("gelu_half");
  ctx.add_node("Add", {inner, scalar(1.0, "one")}, {plus1});
  ctx.add_node("Mul", {x, scalar(0.5, "half")}, {half});
  ctx.add_node("Mul", {half, plus1}, {ctx.out(node->output(), "gelu")});
}

// softmax(x, dim, dtype?) / log_softmax
void softmax_like(ExportContext& ctx, const Node* node, const char* op) {
  if (node->inputs().size() > 2 && !ctx.is_none(node->input(2))) unsupported(node, "a dtype argument is not supported");
  auto& n = ctx.add_node(op, {ctx.in(node->input(0))}, {ctx.out(node->output(), op)});
  set_attr(n, "axis", ctx.const_int(node->input(1)));
}
void softmax(ExportContext& c, const Node* n) { softmax_like(c, n, "Softmax"); }
void log_softmax(ExportContext& c, const Node* n) { softmax_like(c, n, "LogSoftmax"); }

}  // namespace

void add_activation_ops(OpTable& t) {
  for (const char* k : {"aten::relu", "aten::relu_"}) t[k] = {relu, "Relu"};
  for (const char* k : {"aten::relu6", "aten::relu6_"}) t[k] = {relu6, "Clip(0, 6)"};
  for (const char* k : {"aten::hardtanh", "aten::hardtanh_"}) t[k] = {hardtanh, "Clip"};
  for (const char* k : {"aten::clamp", "aten::clamp_", "aten::clip"}) t[k] = {clamp, "Clip"};
  t["aten::clamp_min"] = {clamp_min, "Clip"};
  t["aten::clamp_max"] = {clamp_max, "Clip"};
  for (const char* k : {"aten::leaky_relu", "aten::leaky_relu_"}) t[k] = {leaky_relu, "LeakyRelu"};
  for (const char* k : {"aten::sigmoid", "aten::sigmoid_"}) t[k] = {sigmoid, "Sigmoid"};
  for (const char* k : {"aten::tanh", "aten::tanh_"}) t[k] = {tanh_op, "Tanh"};
  for (const char* k : {"aten::hardsigmoid", "aten::hardsigmoid_"}) t[k] = {hardsigmoid, "HardSigmoid"};
  for (const char* k : {"aten::hardswish", "aten::hardswish_"}) t[k] = {hardswish, "HardSwish (opset ≥ 14), else x·HardSigmoid(x)"};
  for (const char* k : {"aten::silu", "aten::silu_"}) t[k] = {silu, "x·Sigmoid(x)"};
  t["aten::gelu"] = {gelu, "Erf-based (exact) or Tanh-based formula"};
  t["aten::softmax"] = {softmax, "Softmax"};
  t["aten::log_softmax"] = {log_softmax, "LogSoftmax"};
}

}  // namespace kiln
