// Arithmetic with tensors or scalars (broadcasting as ONNX does), unary math, comparisons.
#include <algorithm>

#include <ATen/ATen.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// The element type of an op's result: what TorchScript recorded for the output (the example's
// dtypes are propagated before conversion), else float.
// Where TorchScript did not record it (traced size arithmetic on 0-d tensors), PyTorch's rule:
// the run-time tensors' type, made floating by a floating scalar.
onnx::TensorProto_DataType result_type(ExportContext& ctx, const Node* node) {
  if (auto t = scalar_onnx_type(node->output())) return *t;
  std::optional<int32_t> tensor_type;
  bool float_scalar = false;
  for (size_t i = 0; i < std::min<size_t>(2, node->inputs().size()); ++i) {
    const Value* v = node->input(i);
    if (ctx.is_constant(v)) {
      auto iv = ctx.constant(v);
      float_scalar |= iv.isDouble() || (iv.isTensor() && at::isFloatingType(iv.toTensor().scalar_type()));
      continue;
    }
    if (is_non_tensor(v)) {
      float_scalar |= v->type()->kind() == c10::TypeKind::FloatType;
      continue;
    }
    auto t = ctx.elem_type_of(ctx.in(v));
    if (t && (!tensor_type || *t == onnx::TensorProto_DataType_FLOAT)) tensor_type = t;
  }
  bool tensor_float = tensor_type && (*tensor_type == onnx::TensorProto_DataType_FLOAT ||
                                      *tensor_type == onnx::TensorProto_DataType_DOUBLE ||
                                      *tensor_type == onnx::TensorProto_DataType_FLOAT16);
  if (tensor_type && (tensor_float || !float_scalar)) return static_cast<onnx::TensorProto_DataType>(*tensor_type);
  return float_scalar || !tensor_type ? onnx::TensorProto_DataType_FLOAT : onnx::TensorProto_DataType_INT64;
}

// An operand: a tensor value, or a scalar (a number, a 0-d constant tensor such as a traced
// Python float, a dynamic int) in the result's type — PyTorch's promotion lets neither change the
// type of a tensor with dims.
std::string operand(ExportContext& ctx, const Node* node, const Value* v) {
  auto type = result_type(ctx, node);
  bool comparison = type == onnx::TensorProto_DataType_BOOL;
  if (ctx.is_constant(v)) {
    auto iv = ctx.constant(v);
    bool scalar = iv.isDouble() || iv.isInt() || iv.isBool() || (iv.isTensor() && iv.toTensor().dim() == 0);
    if (scalar && !comparison) return scalar_operand(ctx, v, type);
    if (scalar) {  // a comparison: the scalar in the other operand's type
      const Value* other = node->input(0) == v ? node->input(1) : node->input(0);
      auto t = ctx.is_constant(other) ? std::nullopt : ctx.elem_type_of(ctx.in(other));
      return scalar_operand(ctx, v, t ? static_cast<onnx::TensorProto_DataType>(*t) : onnx::TensorProto_DataType_FLOAT);
    }
  }
  if (is_non_tensor(v)) return scalar_operand(ctx, v, comparison ? onnx::TensorProto_DataType_FLOAT : type);
  std::string name = ctx.in(v);
  auto known = scalar_onnx_type(node->output());
  if (!comparison && known) {  // every operand in the promoted type (int / int → float division)
    auto have = ctx.elem_type_of(name);
    if (have && *have != *known) {
      std::string cast = ctx.fresh("cast");
      auto& n = ctx.add_node("Cast", {name}, {cast});
      set_attr(n, "to", static_cast<int64_t>(*known));
      return cast;
    }
  }
  return name;
}

// a <op> alpha·b (alpha from add/sub's third input)
void arith(ExportContext& ctx, const Node* node, const char* op, bool reverse = false) {
  std::string a = operand(ctx, node, node->input(0));
  std::string b = operand(ctx, node, node->input(1));
  if (node->inputs().size() > 2 && node->input(2)->type()->kind() != c10::TypeKind::StringType &&
      !ctx.is_none(node->input(2))) {
    double alpha = ctx.const_double(node->input(2));
    if (alpha != 1.0) {
      std::string scaled = ctx.fresh("alpha_scaled");
      ctx.add_node("Mul", {b, scalar_constant(ctx, alpha, result_type(ctx, node), "alpha")}, {scaled});
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
  if (node->inputs().size() > 2 && !ctx.is_none(node->input(2))) {  // rounding_mode
    std::string mode = ctx.constant(node->input(2)).toStringRef();
    auto type = result_type(ctx, node);
    std::string a = operand(ctx, node, node->input(0)), b = operand(ctx, node, node->input(1));
    if (mode == "floor") return ctx.bind(node->output(), floor_divide(ctx, a, b, type, ctx.fresh("floor_div")));
    bool floating = type == onnx::TensorProto_DataType_FLOAT || type == onnx::TensorProto_DataType_DOUBLE ||
                    type == onnx::TensorProto_DataType_FLOAT16;
    if (mode != "trunc") unsupported(node, "rounding_mode '" + mode + "'");
    if (!floating) {  // integer Div truncates toward zero, as "trunc" does
      ctx.add_node("Div", {a, b}, {ctx.out(node->output(), "Div")});
      return;
    }
    std::string q = ctx.fresh("div"), mag = ctx.fresh("abs"), fl = ctx.fresh("floor"), sg = ctx.fresh("sign");
    ctx.add_node("Div", {a, b}, {q});
    ctx.add_node("Abs", {q}, {mag});
    ctx.add_node("Floor", {mag}, {fl});
    ctx.add_node("Sign", {q}, {sg});
    ctx.add_node("Mul", {sg, fl}, {ctx.out(node->output(), "trunc_div")});
    return;
  }
  ctx.add_node("Div", {operand(ctx, node, node->input(0)), operand(ctx, node, node->input(1))}, {ctx.out(node->output(), "Div")});
}

void pow_op(ExportContext& ctx, const Node* node) {
  ctx.add_node("Pow", {operand(ctx, node, node->input(0)), operand(ctx, node, node->input(1))}, {ctx.out(node->output(), "Pow")});
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
  std::string a = operand(ctx, node, node->input(0)), b = operand(ctx, node, node->input(1));
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
