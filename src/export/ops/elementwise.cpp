// Arithmetic with tensors or scalars (broadcasting as ONNX does), comparisons.
#include <ATen/ATen.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// a <op> alpha·b, every operand in the result's type (PyTorch's promotion, promotion.h).
void arith(ExportContext& ctx, const Node* node, const Args& a, const char* op, bool reverse = false) {
  int32_t type = result_type(ctx, node);
  std::string x = operand(ctx, a.value(0), type);
  std::string y = operand(ctx, a.value(1), type);
  if (a.size() > 2) {
    double alpha = a.f(2);
    if (alpha != 1.0) y = emit(ctx, "Mul", {y, constant_like(ctx, alpha, y, "alpha")}, "alpha_scaled");
  }
  if (reverse) std::swap(x, y);
  ctx.add_node(op, {x, y}, {ctx.out(node->output(), op)});
}

Converter binary(const char* op, bool reverse = false) {
  return [op, reverse](ExportContext& c, const Node* n, const Args& a) { arith(c, n, a, op, reverse); };
}

// div(a, b, rounding_mode): None → true division (ints become float), "floor", "trunc".
void div(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t type = result_type(ctx, node);
  std::string x = operand(ctx, a.value(0), type), y = operand(ctx, a.value(1), type);
  std::optional<std::string> mode = a.size() > 2 ? a.opt_s(2) : std::nullopt;
  if (!mode) {
    ctx.add_node("Div", {x, y}, {ctx.out(node->output(), "Div")});
    return;
  }
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

}  // namespace

void register_elementwise_ops(OpRegistry& r) {
  r.add("aten::add|aten::add_", "x x f", binary("Add"), "Add (alpha → Mul)");
  r.add("aten::sub|aten::sub_", "x x f", binary("Sub"), "Sub (alpha → Mul)");
  r.add("aten::rsub", "x x f", binary("Sub", true), "Sub (alpha → Mul)");
  r.add("aten::mul|aten::mul_", "x x", binary("Mul"), "Mul");
  r.add("aten::div|aten::div_", "x x", div, "Div");
  r.add("aten::div.Tensor_mode|aten::div.Scalar_mode|aten::div_.Tensor_mode|aten::div_.Scalar_mode", "x x s?", div,
        "Div (floor: Floor/Mod; trunc: Sign·Floor(Abs))");
  r.add("aten::pow", "x x", binary("Pow"), "Pow");
  r.add("aten::gt", "x x", comparison("Greater"), "Greater");
  r.add("aten::lt", "x x", comparison("Less"), "Less");
  r.add("aten::ge", "x x", comparison("GreaterOrEqual"), "GreaterOrEqual");
  r.add("aten::le", "x x", comparison("LessOrEqual"), "LessOrEqual");
  r.add("aten::eq", "x x", comparison("Equal"), "Equal");
  r.add("aten::ne", "x x", comparison("Equal", true), "Not(Equal)");
}

}  // namespace kiln
