// Arithmetic with tensors or scalars (broadcasting as ONNX does), unary math, comparisons.
#include "export/onnx_attr.h"
#include "export/op_registry.h"

namespace kiln {

namespace {

// An operand: a tensor value, or a number constant materialised in the model's float type.
std::string operand(ExportContext& ctx, const Value* v) {
  if (ctx.is_constant(v)) {
    auto iv = ctx.constant(v);
    if (iv.isDouble() || iv.isInt() || iv.isBool()) return ctx.add_float_scalar(ctx.const_double(v), ctx.float_type(), "scalar");
  }
  return ctx.in(v);
}

// a <op> alpha·b (alpha from add/sub's third input)
void arith(ExportContext& ctx, const Node* node, const char* op, bool reverse = false) {
  std::string a = operand(ctx, node->input(0));
  std::string b = operand(ctx, node->input(1));
  if (node->inputs().size() > 2 && node->input(2)->type()->kind() != c10::TypeKind::StringType &&
      !ctx.is_none(node->input(2))) {
    double alpha = ctx.const_double(node->input(2));
    if (alpha != 1.0) {
      std::string scaled = ctx.fresh("alpha_scaled");
      ctx.add_node("Mul", {b, ctx.add_float_scalar(alpha, ctx.float_type(), "alpha")}, {scaled});
      b = scaled;
    }
  }
  if (reverse) std::swap(a, b);
  ctx.add_node(op, {a, b}, {ctx.out(node->output(), op)});
}

void add(ExportContext& c, const Node* n) { arith(c, n, "Add"); }
void sub(ExportContext& c, const Node* n) { arith(c, n, "Sub"); }
void rsub(ExportContext& c, const Node* n) { arith(c, n, "Sub", /*reverse=*/true); }
void mul(ExportContext& c, const Node* n) { arith(c, n, "Mul"); }

void div(ExportContext& ctx, const Node* node) {
  if (node->inputs().size() > 2 && !ctx.is_none(node->input(2))) unsupported(node, "rounding_mode is not supported");
  ctx.add_node("Div", {operand(ctx, node->input(0)), operand(ctx, node->input(1))}, {ctx.out(node->output(), "Div")});
}

void pow_op(ExportContext& ctx, const Node* node) {
  ctx.add_node("Pow", {operand(ctx, node->input(0)), operand(ctx, node->input(1))}, {ctx.out(node->output(), "Pow")});
}

void unary(ExportContext& ctx, const Node* node, const char* op) {
  ctx.add_node(op, {ctx.in(node->input(0))}, {ctx.out(node->output(), op)});
}
void neg(ExportContext& c, const Node* n) { unary(c, n, "Neg"); }
void exp_op(ExportContext& c, const Node* n) { unary(c, n, "Exp"); }
void log_op(ExportContext& c, const Node* n) { unary(c, n, "Log"); }
void sqrt_op(ExportContext& c, const Node* n) { unary(c, n, "Sqrt"); }
void abs_op(ExportContext& c, const Node* n) { unary(c, n, "Abs"); }
void not_op(ExportContext& c, const Node* n) { unary(c, n, "Not"); }

void compare(ExportContext& ctx, const Node* node, const char* op, bool negate = false) {
  std::string a = operand(ctx, node->input(0)), b = operand(ctx, node->input(1));
  if (!negate) {
    ctx.add_node(op, {a, b}, {ctx.out(node->output(), op)});
    return;
  }
  std::string eq = ctx.fresh(op);
  ctx.add_node(op, {a, b}, {eq});
  ctx.add_node("Not", {eq}, {ctx.out(node->output(), "Not")});
}
void gt(ExportContext& c, const Node* n) { compare(c, n, "Greater"); }
void lt(ExportContext& c, const Node* n) { compare(c, n, "Less"); }
void ge(ExportContext& c, const Node* n) { compare(c, n, "GreaterOrEqual"); }
void le(ExportContext& c, const Node* n) { compare(c, n, "LessOrEqual"); }
void eq(ExportContext& c, const Node* n) { compare(c, n, "Equal"); }
void ne(ExportContext& c, const Node* n) { compare(c, n, "Equal", /*negate=*/true); }

}  // namespace

void add_elementwise_ops(OpTable& t) {
  for (const char* k : {"aten::add", "aten::add_"}) t[k] = {add, "Add (alpha → Mul)"};
  for (const char* k : {"aten::sub", "aten::sub_"}) t[k] = {sub, "Sub (alpha → Mul)"};
  t["aten::rsub"] = {rsub, "Sub"};
  for (const char* k : {"aten::mul", "aten::mul_"}) t[k] = {mul, "Mul"};
  for (const char* k : {"aten::div", "aten::div_"}) t[k] = {div, "Div"};
  t["aten::pow"] = {pow_op, "Pow"};
  t["aten::neg"] = {neg, "Neg"};
  t["aten::exp"] = {exp_op, "Exp"};
  t["aten::log"] = {log_op, "Log"};
  t["aten::sqrt"] = {sqrt_op, "Sqrt"};
  t["aten::abs"] = {abs_op, "Abs"};
  t["aten::__not__"] = {not_op, "Not"};
  t["aten::logical_not"] = {not_op, "Not"};
  t["aten::gt"] = {gt, "Greater"};
  t["aten::lt"] = {lt, "Less"};
  t["aten::ge"] = {ge, "GreaterOrEqual"};
  t["aten::le"] = {le, "LessOrEqual"};
  t["aten::eq"] = {eq, "Equal"};
  t["aten::ne"] = {ne, "Not(Equal)"};
}

}  // namespace kiln
