// Arithmetic with tensors or scalars (broadcasting as ONNX does), comparisons, and the binary
// math ops (atan2, fmod, lerp, addcmul / addcdiv, hypot, xlogy).
#include <cmath>

#include <ATen/ATen.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// a <op> alpha·b, every operand in the result's type (PyTorch's promotion, promotion.h).
void arith(ExportContext& ctx, const Node* node, const Args& a, const char* op, bool reverse = false) {
  if (!reverse && (a.size() < 3 || a.f(2) == 1.0) && convert_complex_arith(ctx, node, a, op)) return;
  int32_t type = result_type(ctx, node);
  std::string x = operand(ctx, a.value(0), type);
  std::string y = operand(ctx, a.value(1), type);
  if (type == onnx::TensorProto_DataType_BOOL) {  // PyTorch's bool arithmetic: × is and, + is or
    const std::string bool_op = std::string(op) == "Mul" ? "And" : std::string(op) == "Add" ? "Or" : "";
    if (bool_op.empty() || (a.size() > 2 && a.f(2) != 1.0)) unsupported(node, std::string(op) + " on bool tensors");
    ctx.add_node(bool_op, {x, y}, {ctx.out(node->output(), bool_op)});
    return;
  }
  if (reverse) std::swap(x, y);  // rsub(self, other, alpha) = other − alpha·self
  if (a.size() > 2) {
    double alpha = a.f(2);
    if (alpha != 1.0) y = emit(ctx, "Mul", {y, constant_like(ctx, alpha, y, "alpha")}, "alpha_scaled");
  }
  ctx.add_node(op, {x, y}, {ctx.out(node->output(), op)});
}

Converter binary(const char* op, bool reverse = false) {
  return [op, reverse](ExportContext& c, const Node* n, const Args& a) { arith(c, n, a, op, reverse); };
}

// Operands of a floating result: integer inputs computed in float32 (PyTorch's true division rule).
std::pair<std::string, std::string> float_operands(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = result_type(ctx, node);
  if (!is_floating(t)) t = onnx::TensorProto_DataType_FLOAT;
  return {operand(ctx, a.value(0), t), operand(ctx, a.value(1), t)};
}

// div(a, b, rounding_mode): None → true division (ints become float), "floor", "trunc".
void div(ExportContext& ctx, const Node* node, const Args& a) {
  if (a.size() == 2 && convert_complex_arith(ctx, node, a, "Div")) return;
  std::optional<std::string> mode = a.size() > 2 ? a.opt_s(2) : std::nullopt;
  if (!mode) {  // true division: integers divide as float32
    auto [x, y] = float_operands(ctx, node, a);
    ctx.add_node("Div", {x, y}, {ctx.out(node->output(), "Div")});
    return;
  }
  int32_t type = result_type(ctx, node);
  std::string x = operand(ctx, a.value(0), type), y = operand(ctx, a.value(1), type);
  auto t = static_cast<onnx::TensorProto_DataType>(type);
  if (*mode == "floor") return ctx.bind(node->output(), floor_divide(ctx, x, y, t, ctx.fresh("floor_div")));
  if (*mode != "trunc") unsupported(node, "rounding_mode '" + *mode + "'");
  if (!is_floating(type)) {  // integer Div truncates toward zero, as "trunc" does
    ctx.add_node("Div", {x, y}, {ctx.out(node->output(), "Div")});
    return;
  }
  std::string q = emit(ctx, "Div", {x, y}, "div");
  std::string fl = emit(ctx, "Floor", {emit(ctx, "Abs", {q}, "abs")}, "floor");
  ctx.add_node("Mul", {emit(ctx, "Sign", {q}, "sign"), fl}, {ctx.out(node->output(), "trunc_div")});
}

// Comparisons: both operands in their promoted type; the result is bool.
void compare(ExportContext& ctx, const Node* node, const Args& a, const char* op, bool negate) {
  int32_t type = result_type(ctx, node);
  // ONNX orders numbers only: bools compare as 0 and 1 (False < True, as in PyTorch)
  if (type == onnx::TensorProto_DataType_BOOL && std::string(op) != "Equal") type = onnx::TensorProto_DataType_UINT8;
  std::string x = operand(ctx, a.value(0), type), y = operand(ctx, a.value(1), type);
  if (!negate) {
    ctx.add_node(op, {x, y}, {ctx.out(node->output(), op)});
    return;
  }
  ctx.add_node("Not", {emit(ctx, op, {x, y}, op)}, {ctx.out(node->output(), "Not")});
}

Converter comparison(const char* op, bool negate = false) {
  return [op, negate](ExportContext& c, const Node* n, const Args& a) { compare(c, n, a, op, negate); };
}

void true_divide(ExportContext& ctx, const Node* node, const Args& a) {
  auto [x, y] = float_operands(ctx, node, a);
  ctx.add_node("Div", {x, y}, {ctx.out(node->output(), "Div")});
}

// atan2(y, x) = atan(y/x) moved by ±π where x < 0; 0 where both are 0.
void atan2(ExportContext& ctx, const Node* node, const Args& a) {
  auto [y, x] = float_operands(ctx, node, a);
  std::string zero = constant_like(ctx, 0, y, "zero");
  std::string q = emit(ctx, "Atan", {emit(ctx, "Div", {y, x}, "ratio")}, "atan");
  std::string pi = emit(ctx, "Where", {emit(ctx, "GreaterOrEqual", {y, zero}, "y_nonneg"), constant_like(ctx, M_PI, y, "pi"),
                                       constant_like(ctx, -M_PI, y, "minus_pi")},
                        "pi");
  std::string adj = emit(ctx, "Where", {emit(ctx, "Less", {x, zero}, "x_neg"), pi, zero}, "quadrant");
  std::string r = emit(ctx, "Add", {q, adj}, "atan2");
  std::string both_zero = emit(ctx, "And", {emit(ctx, "Equal", {x, zero}, "x0"), emit(ctx, "Equal", {y, zero}, "y0")}, "origin");
  std::string at_origin = emit(ctx, "Where", {emit(ctx, "Less", {x, zero}, "x_neg"), pi, zero}, "origin_value");
  ctx.add_node("Where", {both_zero, at_origin, r}, {ctx.out(node->output(), "atan2")});
}

// fmod: C's remainder (the dividend's sign) — ONNX Mod with fmod=1
void fmod(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = result_type(ctx, node);
  auto& n = ctx.add_node("Mod", {operand(ctx, a.value(0), t), operand(ctx, a.value(1), t)}, {ctx.out(node->output(), "fmod")});
  set_attr(n, "fmod", int64_t{1});
}

// lerp(start, end, w): start + w·(end − start) for w < 0.5, end − (end − start)·(1 − w) otherwise
// (LibTorch's two-sided formula, exact at both ends).
void lerp(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = result_type(ctx, node, 3);
  std::string s0 = operand(ctx, a.value(0), t), e = operand(ctx, a.value(1), t), w = operand(ctx, a.value(2), t);
  std::string d = emit(ctx, "Sub", {e, s0}, "delta");
  std::string lo = emit(ctx, "Add", {s0, emit(ctx, "Mul", {w, d}, "w_delta")}, "from_start");
  std::string hi = emit(ctx, "Sub", {e, emit(ctx, "Mul", {d, emit(ctx, "Sub", {constant_like(ctx, 1, s0, "one"), w}, "one_minus_w")}, "tail")},
                        "from_end");
  std::string small = emit(ctx, "Less", {emit(ctx, "Abs", {w}, "abs_w"), constant_like(ctx, 0.5, s0, "half")}, "near_start");
  ctx.add_node("Where", {small, lo, hi}, {ctx.out(node->output(), "lerp")});
}

// addcmul / addcdiv(self, t1, t2, value) = self + value·(t1 ∘ t2)
Converter addc(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    int32_t t = result_type(ctx, node, 3);
    std::string prod = emit(ctx, op, {operand(ctx, a.value(1), t), operand(ctx, a.value(2), t)}, "prod");
    if (a.f(3) != 1.0) prod = emit(ctx, "Mul", {prod, constant_like(ctx, a.f(3), prod, "value")}, "scaled");
    ctx.add_node("Add", {operand(ctx, a.value(0), t), prod}, {ctx.out(node->output(), "addc")});
  };
}

// hypot(a, b) = sqrt(a² + b²)
void hypot(ExportContext& ctx, const Node* node, const Args& a) {
  auto [x, y] = float_operands(ctx, node, a);
  std::string s = emit(ctx, "Add", {emit(ctx, "Mul", {x, x}, "xx"), emit(ctx, "Mul", {y, y}, "yy")}, "sum_sq");
  ctx.add_node("Sqrt", {s}, {ctx.out(node->output(), "hypot")});
}

// xlogy(x, y) = x·log(y), 0 where x is 0 (and NaN where y is NaN)
void xlogy(ExportContext& ctx, const Node* node, const Args& a) {
  auto [x, y] = float_operands(ctx, node, a);
  std::string zero = constant_like(ctx, 0, x, "zero");
  std::string p = emit(ctx, "Mul", {x, emit(ctx, "Log", {y}, "log")}, "xlogy");
  std::string x0 = emit(ctx, "And", {emit(ctx, "Equal", {x, zero}, "x0"), emit(ctx, "Not", {emit(ctx, "IsNaN", {y}, "nan")}, "y_ok")}, "x_zero");
  ctx.add_node("Where", {x0, zero, p}, {ctx.out(node->output(), "xlogy")});
}

// logaddexp(x, y) = max(x, y) + log(1 + exp(−|x − y|)), without overflow
void logaddexp(ExportContext& ctx, const Node* node, const Args& a) {
  auto [x, y] = float_operands(ctx, node, a);  // promoted; ints in float32
  std::string m = emit(ctx, "Max", {x, y}, "max");
  std::string d = emit(ctx, "Neg", {emit(ctx, "Abs", {emit(ctx, "Sub", {x, y}, "diff")}, "abs")}, "neg");
  // equal operands (±inf included, where x − y is NaN) give max + log 2, as LibTorch does
  d = emit(ctx, "Where", {emit(ctx, "Equal", {x, y}, "same"), constant_like(ctx, 0, x, "zero"), d}, "gap");
  std::string l = emit(ctx, "Log", {emit(ctx, "Add", {constant_like(ctx, 1, x, "one"), emit(ctx, "Exp", {d}, "exp")}, "sum")}, "log");
  ctx.add_node("Add", {m, l}, {ctx.out(node->output(), "logaddexp")});
}

}  // namespace

void register_elementwise_ops(OpRegistry& r) {
  const OpOptions complex{.complex = true};
  r.add("aten::add|aten::add_", "x x f", binary("Add"), "Add (alpha → Mul)", complex);
  r.add("aten::sub|aten::sub_", "x x f", binary("Sub"), "Sub (alpha → Mul)", complex);
  r.add("aten::rsub", "x x f", binary("Sub", true), "Sub (alpha → Mul)");
  r.add("aten::mul|aten::mul_", "x x", binary("Mul"), "Mul", complex);
  r.add("aten::div|aten::div_", "x x", div, "Div", complex);
  r.add("aten::div.Tensor_mode|aten::div.Scalar_mode|aten::div_.Tensor_mode|aten::div_.Scalar_mode", "x x s?", div,
        "Div (floor: Floor/Mod; trunc: Sign·Floor(Abs))");
  r.add("aten::pow", "x x", binary("Pow"), "Pow");
  r.add("aten::gt", "x x", comparison("Greater"), "Greater");
  r.add("aten::lt", "x x", comparison("Less"), "Less");
  r.add("aten::ge", "x x", comparison("GreaterOrEqual"), "GreaterOrEqual");
  r.add("aten::le", "x x", comparison("LessOrEqual"), "LessOrEqual");
  r.add("aten::eq", "x x", comparison("Equal"), "Equal");
  r.add("aten::ne", "x x", comparison("Equal", true), "Not(Equal)");
  r.add("aten::gt_|aten::greater", "x x", comparison("Greater"), "Greater");
  r.add("aten::lt_|aten::less", "x x", comparison("Less"), "Less");
  r.add("aten::true_divide.Tensor|aten::true_divide.Scalar|aten::true_divide_.Tensor|aten::true_divide_.Scalar", "x x",
        true_divide, "Div (integers in float)");
  r.add("aten::atan2|aten::arctan2|aten::atan2_", "x x", atan2, "Atan(y/x) + quadrant Where");
  r.add("aten::fmod.Tensor|aten::fmod.Scalar|aten::fmod_.Tensor|aten::fmod_.Scalar", "x x", fmod, "Mod (fmod=1)");
  r.add("aten::lerp.Scalar|aten::lerp.Tensor|aten::lerp_.Scalar|aten::lerp_.Tensor", "x x x", lerp, "Sub/Mul/Add + Where (two-sided)");
  r.add("aten::addcmul|aten::addcmul_", "v v v f", addc("Mul"), "Mul + Mul(value) + Add");
  r.add("aten::addcdiv|aten::addcdiv_", "v v v f", addc("Div"), "Div + Mul(value) + Add");
  r.add("aten::hypot|aten::hypot_", "x x", hypot, "Sqrt(a² + b²)");
  r.add("aten::xlogy.Tensor|aten::xlogy.Scalar_Self|aten::xlogy.Scalar_Other", "x x", xlogy, "x·Log(y), 0 where x is 0");
  r.add("aten::logaddexp", "x x", logaddexp, "Max + Log(1 + Exp(−|x − y|))");
}

}  // namespace kiln
