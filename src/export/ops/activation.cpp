// Activations: ReLU family, clamps, sigmoid/tanh, hard and soft variants, GELU, SiLU, Mish, ELU
// family, shrinks, GLU, PReLU, softmax and log-softmax. Constants are made in the input's type.
#include <cmath>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

std::string clip(ExportContext& ctx, const std::string& x, std::optional<double> lo, std::optional<double> hi,
                 const std::string& out) {
  std::vector<std::string> inputs{x, lo ? constant_like(ctx, *lo, x, "clip_min") : ""};
  if (hi) inputs.push_back(constant_like(ctx, *hi, x, "clip_max"));
  ctx.add_node("Clip", inputs, {out});
  return out;
}

void relu6(ExportContext& c, const Node* n, const Args& a) { clip(c, a.tensor(0), 0.0, 6.0, c.out(n->output(), "relu6")); }
void hardtanh(ExportContext& c, const Node* n, const Args& a) {
  clip(c, a.tensor(0), a.f(1), a.f(2), c.out(n->output(), "hardtanh"));
}

// clamp(x, min?, max?): numbers known at export → Clip; run-time numbers → Clip with 0-d bounds;
// tensor bounds (clamp.Tensor) → Max / Min, which broadcast.
void clamp(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  int32_t type = type_or_float(ctx, x);
  bool tensor_bounds = false;
  for (size_t i = 1; i < a.size(); ++i) {
    if (a.is_none(i)) continue;
    auto rank = ctx.is_static(a.value(i)) ? std::nullopt : ctx.rank_of(a.value(i));
    if (!is_non_tensor(a.value(i)) && (!rank || *rank > 0)) tensor_bounds = true;
    if (ctx.is_static(a.value(i)) && ctx.constant(a.value(i)).isTensor() && ctx.constant(a.value(i)).toTensor().dim() > 0)
      tensor_bounds = true;
  }
  auto bound = [&](size_t i) -> std::optional<std::string> {
    if (i >= a.size() || a.is_none(i)) return std::nullopt;
    return operand(ctx, a.value(i), type);
  };
  auto lo = bound(1), hi = bound(2);
  if (!tensor_bounds) {
    std::vector<std::string> inputs{x, lo.value_or("")};
    if (hi) inputs.push_back(*hi);
    ctx.add_node("Clip", inputs, {ctx.out(node->output(), "clip")});
    return;
  }
  std::string y = x;
  if (lo) y = emit(ctx, "Max", {y, *lo}, "clamp_min", hi ? "" : ctx.out(node->output(), "clamp"));
  if (hi) y = emit(ctx, "Min", {y, *hi}, "clamp_max", ctx.out(node->output(), "clamp"));
  if (!lo && !hi) alias(ctx, node);
}

void clamp_min(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  ctx.add_node("Max", {x, operand(ctx, a.value(1), type_or_float(ctx, x))}, {ctx.out(node->output(), "clamp_min")});
}
void clamp_max(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  ctx.add_node("Min", {x, operand(ctx, a.value(1), type_or_float(ctx, x))}, {ctx.out(node->output(), "clamp_max")});
}

void leaky_relu(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (!a.is_static(1)) {  // a slope computed at run time: x > 0 ? x : x·slope
    std::string slope = operand(ctx, a.value(1), type_or_float(ctx, x));
    std::string neg = emit(ctx, "Mul", {x, slope}, "scaled");
    ctx.add_node("Where", {emit(ctx, "Greater", {x, constant_like(ctx, 0, x, "zero")}, "positive"), x, neg},
                 {ctx.out(node->output(), "leaky_relu")});
    return;
  }
  auto& n = ctx.add_node("LeakyRelu", {x}, {ctx.out(node->output(), "leaky_relu")});
  set_attr(n, "alpha", ctx.const_double(a.value(1)));
}

// rrelu in eval mode is a leaky ReLU with the mean slope.
void rrelu(ExportContext& ctx, const Node* node, const Args& a) {
  if (a.b(3)) unsupported(node, "training-mode rrelu (random slopes; call eval() before saving)");
  auto& n = ctx.add_node("LeakyRelu", {a.tensor(0)}, {ctx.out(node->output(), "rrelu")});
  set_attr(n, "alpha", (a.f(1) + a.f(2)) / 2);
}

void hardsigmoid(ExportContext& ctx, const Node* node, const Args& a) {
  auto& n = ctx.add_node("HardSigmoid", {a.tensor(0)}, {ctx.out(node->output(), "hardsigmoid")});
  set_attr(n, "alpha", 1.0 / 6.0);
  set_attr(n, "beta", 0.5);
}

void hardswish(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.add_node("HardSwish", {a.tensor(0)}, {ctx.out(node->output(), "HardSwish")});
}

void hardswish_13(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0), hs = ctx.fresh("hardsigmoid");
  auto& n = ctx.add_node("HardSigmoid", {x}, {hs});
  set_attr(n, "alpha", 1.0 / 6.0);
  set_attr(n, "beta", 0.5);
  ctx.add_node("Mul", {x, hs}, {ctx.out(node->output(), "hardswish")});
}

void silu(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  ctx.add_node("Mul", {x, emit(ctx, "Sigmoid", {x}, "sigmoid")}, {ctx.out(node->output(), "silu")});
}

void mish_13(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  std::string t = emit(ctx, "Tanh", {emit(ctx, "Softplus", {x}, "softplus")}, "tanh");
  ctx.add_node("Mul", {x, t}, {ctx.out(node->output(), "mish")});
}

// gelu(x, approximate): exact 0.5·x·(1 + erf(x/√2)); "tanh": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
void gelu_13(ExportContext& ctx, const Node* node, const Args& a) {
  const std::string& approx = a.s(1);
  std::string x = a.tensor(0);
  auto k = [&](double v, const char* h) { return constant_like(ctx, v, x, h); };
  std::string inner;
  if (approx == "tanh") {
    std::string x3 = emit(ctx, "Mul", {emit(ctx, "Mul", {x, x}, "gelu_x2"), x}, "gelu_x3");
    std::string t2 = emit(ctx, "Add", {x, emit(ctx, "Mul", {x3, k(0.044715, "gelu_c")}, "gelu_t1")}, "gelu_t2");
    inner = emit(ctx, "Tanh", {emit(ctx, "Mul", {t2, k(std::sqrt(2.0 / M_PI), "gelu_k")}, "gelu_t3")}, "gelu_inner");
  } else if (approx == "none") {
    inner = emit(ctx, "Erf", {emit(ctx, "Div", {x, k(std::sqrt(2.0), "sqrt2")}, "gelu_scaled")}, "gelu_inner");
  } else {
    unsupported(node, "unknown approximate='" + approx + "'");
  }
  std::string plus1 = emit(ctx, "Add", {inner, k(1.0, "one")}, "gelu_plus1");
  std::string half = emit(ctx, "Mul", {x, k(0.5, "half")}, "gelu_half");
  ctx.add_node("Mul", {half, plus1}, {ctx.out(node->output(), "gelu")});
}

void gelu_20(ExportContext& ctx, const Node* node, const Args& a) {
  const std::string& approx = a.s(1);
  if (approx != "none" && approx != "tanh") unsupported(node, "unknown approximate='" + approx + "'");
  auto& n = ctx.add_node("Gelu", {a.tensor(0)}, {ctx.out(node->output(), "Gelu")});
  set_attr(n, "approximate", approx);
}

// elu(x, alpha, scale, input_scale) = scale · (x > 0 ? x : alpha·(exp(input_scale·x) − 1))
void elu(ExportContext& ctx, const Node* node, const Args& a) {
  double alpha = a.f(1), scale = a.f(2), input_scale = a.f(3);
  std::string x = a.tensor(0);
  if (scale == 1.0 && input_scale == 1.0) {
    auto& n = ctx.add_node("Elu", {x}, {ctx.out(node->output(), "Elu")});
    set_attr(n, "alpha", alpha);
    return;
  }
  std::string xi = input_scale == 1.0 ? x : emit(ctx, "Mul", {x, constant_like(ctx, input_scale, x, "input_scale")}, "scaled");
  std::string neg = emit(ctx, "Mul", {emit(ctx, "Sub", {emit(ctx, "Exp", {xi}, "exp"), constant_like(ctx, 1, x, "one")}, "expm1"),
                                      constant_like(ctx, alpha, x, "alpha")},
                         "elu_neg");
  std::string pos = emit(ctx, "Greater", {x, constant_like(ctx, 0, x, "zero")}, "positive");
  std::string y = emit(ctx, "Where", {pos, x, neg}, "elu");
  ctx.add_node("Mul", {y, constant_like(ctx, scale, x, "scale")}, {ctx.out(node->output(), "elu")});
}

void celu(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (type_or_float(ctx, x) != onnx::TensorProto_DataType_FLOAT) unsupported(node, "celu on a type other than float32");
  auto& n = ctx.add_node("Celu", {x}, {ctx.out(node->output(), "Celu")});
  set_attr(n, "alpha", a.f(1));
}

// softplus(x, beta, threshold) = x where beta·x > threshold, else log(1 + exp(beta·x)) / beta
void softplus(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  double beta = a.f(1), threshold = a.f(2);
  std::string bx = beta == 1.0 ? x : emit(ctx, "Mul", {x, constant_like(ctx, beta, x, "beta")}, "beta_x");
  std::string sp = emit(ctx, "Softplus", {bx}, "softplus");
  if (beta != 1.0) sp = emit(ctx, "Div", {sp, constant_like(ctx, beta, x, "beta")}, "softplus_beta");
  std::string linear = emit(ctx, "Greater", {bx, constant_like(ctx, threshold, x, "threshold")}, "linear");
  ctx.add_node("Where", {linear, x, sp}, {ctx.out(node->output(), "softplus")});
}

Converter shrink(bool soft) {
  return [soft](ExportContext& ctx, const Node* node, const Args& a) {
    auto& n = ctx.add_node("Shrink", {a.tensor(0)}, {ctx.out(node->output(), "Shrink")});
    set_attr(n, "lambd", a.f(1));
    set_attr(n, "bias", soft ? a.f(1) : 0.0);
  };
}

// threshold(x, threshold, value) = x > threshold ? x : value
void threshold(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  int32_t t = type_or_float(ctx, x);
  std::string keep = emit(ctx, "Greater", {x, operand(ctx, a.value(1), t)}, "above");
  ctx.add_node("Where", {keep, x, operand(ctx, a.value(2), t)}, {ctx.out(node->output(), "threshold")});
}

// log_sigmoid(x) = −softplus(−x), stable for large |x|.
void log_sigmoid(ExportContext& ctx, const Node* node, const Args& a) {
  std::string sp = emit(ctx, "Softplus", {emit(ctx, "Neg", {a.tensor(0)}, "neg")}, "softplus");
  ctx.add_node("Neg", {sp}, {ctx.out(node->output(), "log_sigmoid")});
}

// glu(x, dim) = first half · sigmoid(second half)
void glu(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = normalize_dim(node, a.i(1), rank);
  std::string first = ctx.fresh("glu_a"), second = ctx.fresh("glu_b");
  auto& s = ctx.add_node("Split", {a.tensor(0)}, {first, second});
  set_attr(s, "axis", dim);
  if (ctx.opset() >= 18) set_attr(s, "num_outputs", int64_t{2});
  ctx.add_node("Mul", {first, emit(ctx, "Sigmoid", {second}, "sigmoid")}, {ctx.out(node->output(), "glu")});
}

// prelu(x, weight): weight [C] applies along dim 1; ONNX broadcasts from the right, so it is
// reshaped to [C, 1, ...].
void prelu(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0), w = a.tensor(1);
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  auto wdims = ctx.dims_of(a.value(1));
  bool single = wdims && (wdims->empty() || (wdims->size() == 1 && (*wdims)[0] == 1));
  if (!single && rank > 2) {
    std::vector<int64_t> shape{-1};
    for (int64_t i = 2; i < rank; ++i) shape.push_back(1);
    w = emit(ctx, "Reshape", {w, ctx.add_int64s(shape, "prelu_shape")}, "prelu_weight");
  }
  ctx.add_node("PRelu", {x, w}, {ctx.out(node->output(), "PRelu")});
}

// softmax(x, dim, dtype?) / log_softmax; a dtype casts the input first. _softmax(x, dim, half_to_float).
Converter softmax_like(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    std::string x = a.tensor(0);
    if (auto dt = a.dtype(2)) x = emit_cast(ctx, x, onnx_dtype_or_fail(node, *dt));
    auto& n = ctx.add_node(op, {x}, {ctx.out(node->output(), op)});
    set_attr(n, "axis", a.i(1));
  };
}
Converter internal_softmax(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    if (a.b(2)) unsupported(node, "half_to_float=True");
    auto& n = ctx.add_node(op, {a.tensor(0)}, {ctx.out(node->output(), op)});
    set_attr(n, "axis", a.i(1));
  };
}

}  // namespace

void register_activation_ops(OpRegistry& r) {
  r.add("aten::relu|aten::relu_", "v", unary("Relu"), "Relu");
  r.add("aten::relu6|aten::relu6_", "v", relu6, "Clip(0, 6)");
  r.add("aten::hardtanh|aten::hardtanh_", "v f f", hardtanh, "Clip");
  r.add("aten::clamp|aten::clamp_|aten::clip|aten::clip_", "v x? x?", clamp, "Clip (number bounds) or Max/Min (tensor bounds)");
  r.add("aten::clamp_min|aten::clamp_min_", "v x", clamp_min, "Max");
  r.add("aten::clamp_max|aten::clamp_max_", "v x", clamp_max, "Min");
  r.add("aten::leaky_relu|aten::leaky_relu_", "v x", leaky_relu, "LeakyRelu (Where for a run-time slope)");
  r.add("aten::rrelu|aten::rrelu_", "v f f b _", rrelu, "LeakyRelu (eval: the mean slope)");
  r.add("aten::sigmoid|aten::sigmoid_", "v", unary("Sigmoid"), "Sigmoid");
  r.add("aten::tanh|aten::tanh_", "v", unary("Tanh"), "Tanh");
  r.add("aten::hardsigmoid|aten::hardsigmoid_", "v", hardsigmoid, "HardSigmoid");
  r.add("aten::hardswish|aten::hardswish_", "v", hardswish_13, "x·HardSigmoid(x)");
  r.add("aten::hardswish|aten::hardswish_", "v", hardswish, "HardSwish", {.since = 14});
  r.add("aten::silu|aten::silu_", "v", silu, "x·Sigmoid(x)");
  r.add("aten::mish|aten::mish_", "v", mish_13, "x·Tanh(Softplus(x))");
  r.add("aten::mish|aten::mish_", "v", unary("Mish"), "Mish", {.since = 18});
  r.add("aten::gelu|aten::gelu_", "v s", gelu_13, "Erf-based (exact) or Tanh-based formula");
  r.add("aten::gelu|aten::gelu_", "v s", gelu_20, "Gelu", {.since = 20});
  r.add("aten::elu|aten::elu_", "v f f f", elu, "Elu (scale 1) or its formula");
  r.add("aten::selu|aten::selu_", "v", unary("Selu"), "Selu");
  r.add("aten::celu|aten::celu_", "v f", celu, "Celu");
  r.add("aten::softplus", "v f f", softplus, "Softplus with beta and the linear threshold");
  r.add("aten::softshrink", "v f", shrink(true), "Shrink");
  r.add("aten::hardshrink", "v f", shrink(false), "Shrink (bias 0)");
  r.add("aten::threshold|aten::threshold_", "v x x", threshold, "Where(x > threshold, x, value)");
  r.add("aten::log_sigmoid", "v", log_sigmoid, "−Softplus(−x)");
  r.add("aten::glu", "v i", glu, "Split + Sigmoid + Mul");
  r.add("aten::prelu|aten::_prelu_kernel", "v v", prelu, "PRelu (weight reshaped to [C, 1, ...])");
  r.add("aten::softmax", "v i t?", softmax_like("Softmax"), "Softmax");
  r.add("aten::log_softmax", "v i t?", softmax_like("LogSoftmax"), "LogSoftmax");
  r.add("aten::_softmax", "v i b", internal_softmax("Softmax"), "Softmax");
  r.add("aten::_log_softmax", "v i b", internal_softmax("LogSoftmax"), "LogSoftmax");
}

}  // namespace kiln
