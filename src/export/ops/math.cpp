// Unary math: trigonometric and hyperbolic functions, exp/log families, roundings, signs, the
// NaN/Inf predicates, and logical/bitwise not. Most are one ONNX op; the rest short formulas in
// the input's element type.
#include <cctype>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// x in a floating type: PyTorch computes sin(int tensor) in float32.
std::string floating_input(ExportContext& ctx, const Args& a) {
  std::string x = a.tensor(0);
  int32_t t = type_or_float(ctx, x);
  return is_floating(t) ? x : emit_cast(ctx, x, onnx::TensorProto_DataType_FLOAT);
}

Converter float_unary(const std::string& op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    ctx.add_node(op, {floating_input(ctx, a)}, {ctx.out(node->output(), op)});
  };
}

// log_b(x) = ln(x) / ln(b)
Converter log_base(double base) {
  return [base](ExportContext& ctx, const Node* node, const Args& a) {
    std::string x = floating_input(ctx, a);
    std::string ln = emit(ctx, "Log", {x}, "log");
    ctx.add_node("Div", {ln, constant_like(ctx, std::log(base), x, "ln_base")}, {ctx.out(node->output(), "log")});
  };
}

void rsqrt(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = floating_input(ctx, a);
  ctx.add_node("Reciprocal", {emit(ctx, "Sqrt", {x}, "sqrt")}, {ctx.out(node->output(), "rsqrt")});
}

void log1p(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = floating_input(ctx, a);
  ctx.add_node("Log", {emit(ctx, "Add", {x, constant_like(ctx, 1, x, "one")}, "plus1")}, {ctx.out(node->output(), "log1p")});
}

void expm1(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = floating_input(ctx, a);
  ctx.add_node("Sub", {emit(ctx, "Exp", {x}, "exp"), constant_like(ctx, 1, x, "one")}, {ctx.out(node->output(), "expm1")});
}

void exp2(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = floating_input(ctx, a);
  ctx.add_node("Pow", {constant_like(ctx, 2, x, "two"), x}, {ctx.out(node->output(), "exp2")});
}

void square(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  ctx.add_node("Mul", {x, x}, {ctx.out(node->output(), "square")});
}

// trunc(x) = sign(x)·floor(|x|); integers are their own truncation.
std::string emit_trunc(ExportContext& ctx, const std::string& x) {
  std::string fl = emit(ctx, "Floor", {emit(ctx, "Abs", {x}, "abs")}, "floor");
  return emit(ctx, "Mul", {emit(ctx, "Sign", {x}, "sign"), fl}, "trunc");
}

void trunc(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (!is_floating(type_or_float(ctx, x))) return alias(ctx, node);
  ctx.bind(node->output(), emit_trunc(ctx, x));
}

void frac(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  ctx.add_node("Sub", {x, emit_trunc(ctx, x)}, {ctx.out(node->output(), "frac")});
}

// Rounding of integers and bools is the identity; floats round half to even, as ONNX Round does.
void round(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (!is_floating(type_or_float(ctx, x))) return alias(ctx, node);
  ctx.add_node("Round", {x}, {ctx.out(node->output(), "Round")});
}

// round(x, decimals): Round(x·10^d) / 10^d
void round_decimals(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  int64_t d = a.i(1);
  if (d == 0) return round(ctx, node, a);
  std::string scale = constant_like(ctx, std::pow(10.0, static_cast<double>(d)), x, "decimals");
  std::string r = emit(ctx, "Round", {emit(ctx, "Mul", {x, scale}, "scaled")}, "round");
  ctx.add_node("Div", {r, scale}, {ctx.out(node->output(), "round")});
}

// Floor, Ceil and the like are the identity on integers (ONNX has them for floats only).
Converter float_only_else_identity(const std::string& op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    std::string x = a.tensor(0);
    if (!is_floating(type_or_float(ctx, x))) return alias(ctx, node);
    ctx.add_node(op, {x}, {ctx.out(node->output(), op)});
  };
}

// sign(bool) is the identity; ONNX Sign covers numbers.
void sign(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (type_or_float(ctx, x) == onnx::TensorProto_DataType_BOOL) return alias(ctx, node);
  ctx.add_node("Sign", {x}, {ctx.out(node->output(), "Sign")});
}

void isnan(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (!is_floating(type_or_float(ctx, x))) {  // integers are never NaN
    ctx.add_node("Equal", {x, emit(ctx, "Add", {x, constant_like(ctx, 1, x, "one")}, "never")}, {ctx.out(node->output(), "isnan")});
    return;
  }
  ctx.add_node("IsNaN", {x}, {ctx.out(node->output(), "IsNaN")});
}

void isinf(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.add_node("IsInf", {floating_input(ctx, a)}, {ctx.out(node->output(), "IsInf")});
}

void isfinite(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = floating_input(ctx, a);
  std::string bad = emit(ctx, "Or", {emit(ctx, "IsNaN", {x}, "isnan"), emit(ctx, "IsInf", {x}, "isinf")}, "not_finite");
  ctx.add_node("Not", {bad}, {ctx.out(node->output(), "isfinite")});
}

// nan_to_num(x, nan=0, posinf=max, neginf=lowest) in x's type.
void nan_to_num(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  int32_t t = type_or_float(ctx, x);
  if (!is_floating(t)) return alias(ctx, node);
  double big = t == onnx::TensorProto_DataType_DOUBLE ? std::numeric_limits<double>::max()
               : t == onnx::TensorProto_DataType_FLOAT16 ? 65504.0
                                                         : static_cast<double>(std::numeric_limits<float>::max());
  double nan_v = a.opt_f(1).value_or(0.0), pos = a.opt_f(2).value_or(big), neg = a.opt_f(3).value_or(-big);
  std::string y = emit(ctx, "Where", {emit(ctx, "IsNaN", {x}, "isnan"), constant_like(ctx, nan_v, x, "nan"), x}, "no_nan");
  auto& pi = ctx.add_node("IsInf", {y}, {ctx.fresh("isposinf")});
  set_attr(pi, "detect_negative", int64_t{0});
  std::string pinf = pi.output(0);
  y = emit(ctx, "Where", {pinf, constant_like(ctx, pos, x, "posinf"), y}, "no_posinf");
  auto& ni = ctx.add_node("IsInf", {y}, {ctx.fresh("isneginf")});
  set_attr(ni, "detect_positive", int64_t{0});
  std::string ninf = ni.output(0);
  ctx.add_node("Where", {ninf, constant_like(ctx, neg, x, "neginf"), y}, {ctx.out(node->output(), "nan_to_num")});
}

// logit(x, eps?) = log(z / (1 − z)), z = clamp(x, eps, 1 − eps)
void logit(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = floating_input(ctx, a);
  if (auto eps = a.opt_f(1)) {
    x = emit(ctx, "Clip", {x, constant_like(ctx, *eps, x, "eps"), constant_like(ctx, 1 - *eps, x, "one_minus_eps")}, "clamped");
  }
  std::string one_minus = emit(ctx, "Sub", {constant_like(ctx, 1, x, "one"), x}, "one_minus");
  ctx.add_node("Log", {emit(ctx, "Div", {x, one_minus}, "odds")}, {ctx.out(node->output(), "logit")});
}

// logical_not: any type → bool
void logical_not(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = emit_cast(ctx, a.tensor(0), onnx::TensorProto_DataType_BOOL);
  ctx.add_node("Not", {x}, {ctx.out(node->output(), "Not")});
}

// bitwise_not: Not for bools, BitwiseNot (opset 18) or −x − 1 (two's complement) for ints.
void bitwise_not(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  int32_t t = type_or_float(ctx, x);
  if (t == onnx::TensorProto_DataType_BOOL) {
    ctx.add_node("Not", {x}, {ctx.out(node->output(), "Not")});
  } else if (is_floating(t)) {
    unsupported(node, "bitwise_not of a floating tensor");
  } else if (ctx.opset() >= 18) {
    ctx.add_node("BitwiseNot", {x}, {ctx.out(node->output(), "BitwiseNot")});
  } else {
    if (t == onnx::TensorProto_DataType_UINT8) unsupported(node, "bitwise_not of uint8 below opset 18");
    ctx.add_node("Sub", {emit(ctx, "Neg", {x}, "neg"), constant_like(ctx, 1, x, "one")}, {ctx.out(node->output(), "bitwise_not")});
  }
}

}  // namespace

void register_math_ops(OpRegistry& r) {
  for (const char* op : {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf",
                         "exp", "log", "sqrt"}) {
    std::string onnx = op;
    onnx[0] = static_cast<char>(std::toupper(onnx[0]));
    r.add(fmt::format("aten::{}|aten::{}_", op, op), "v", float_unary(onnx), onnx);
  }
  for (const char* op : {"arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh"}) {
    std::string onnx = std::string(op).substr(3);
    onnx[0] = static_cast<char>(std::toupper(onnx[0]));
    r.add(fmt::format("aten::{}|aten::{}_", op, op), "v", float_unary(onnx), onnx);
  }
  r.add("aten::neg|aten::neg_|aten::negative", "v", unary("Neg"), "Neg");
  r.add("aten::reciprocal|aten::reciprocal_", "v", float_unary("Reciprocal"), "Reciprocal");
  r.add("aten::rsqrt|aten::rsqrt_", "v", rsqrt, "Reciprocal(Sqrt)");
  r.add("aten::log2|aten::log2_", "v", log_base(2.0), "Log / ln 2");
  r.add("aten::log10|aten::log10_", "v", log_base(10.0), "Log / ln 10");
  r.add("aten::log1p|aten::log1p_", "v", log1p, "Log(x + 1)");
  r.add("aten::expm1|aten::expm1_", "v", expm1, "Exp(x) − 1");
  r.add("aten::exp2|aten::exp2_", "v", exp2, "Pow(2, x)");
  r.add("aten::square|aten::square_", "v", square, "Mul(x, x)");
  r.add("aten::floor|aten::floor_", "v", float_only_else_identity("Floor"), "Floor (nothing on ints)");
  r.add("aten::ceil|aten::ceil_", "v", float_only_else_identity("Ceil"), "Ceil (nothing on ints)");
  r.add("aten::round|aten::round_", "v", round, "Round (half to even)");
  r.add("aten::round.decimals|aten::round_.decimals", "v i", round_decimals, "Round(x·10^d) / 10^d");
  r.add("aten::trunc|aten::trunc_|aten::fix", "v", trunc, "Sign·Floor(Abs)");
  r.add("aten::frac|aten::frac_", "v", frac, "x − Sign·Floor(Abs)");
  r.add("aten::sign|aten::sign_|aten::sgn", "v", sign, "Sign");
  r.add("aten::isnan", "v", isnan, "IsNaN");
  r.add("aten::isinf", "v", isinf, "IsInf");
  r.add("aten::isfinite", "v", isfinite, "Not(Or(IsNaN, IsInf))");
  r.add("aten::nan_to_num|aten::nan_to_num_", "v f? f? f?", nan_to_num, "Where(IsNaN/IsInf, value, x)");
  r.add("aten::logit|aten::logit_", "v f?", logit, "Log(z / (1 − z)), z clamped to [eps, 1 − eps]");
  r.add("aten::logical_not|aten::__not__", "v", logical_not, "Not (Cast to bool first)");
  r.add("aten::bitwise_not", "v", bitwise_not, "Not (bool), BitwiseNot (opset ≥ 18) or −x − 1");
}

}  // namespace kiln
