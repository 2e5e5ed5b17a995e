// Logical and bitwise ops: logical_and/or/xor (any type → bool), bitwise and/or/xor and the
// dunder forms (And/Or/Xor on bools, BitwiseAnd/Or/Xor on ints from opset 18), shifts (Mul / floor
// division by powers of two, which keeps the sign of signed ints).
#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

Converter logical(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    std::string x = emit_cast(ctx, operand(ctx, a.value(0), type_or_float(ctx, a.tensor(0))), onnx::TensorProto_DataType_BOOL);
    std::string y = emit_cast(ctx, operand(ctx, a.value(1), onnx::TensorProto_DataType_BOOL), onnx::TensorProto_DataType_BOOL);
    ctx.add_node(op, {x, y}, {ctx.out(node->output(), op)});
  };
}

// bitwise and/or/xor: bools → And/Or/Xor; integers → BitwiseAnd/Or/Xor (opset 18).
Converter bitwise(const char* bool_op, const char* int_op) {
  return [bool_op, int_op](ExportContext& ctx, const Node* node, const Args& a) {
    int32_t t = result_type(ctx, node);
    std::string x = operand(ctx, a.value(0), t), y = operand(ctx, a.value(1), t);
    if (t == onnx::TensorProto_DataType_BOOL) {
      ctx.add_node(bool_op, {x, y}, {ctx.out(node->output(), bool_op)});
      return;
    }
    if (is_floating(t)) unsupported(node, "a bitwise op on floating tensors");
    if (ctx.opset() < 18) unsupported(node, std::string(int_op) + " on integers needs opset 18");
    ctx.add_node(int_op, {x, y}, {ctx.out(node->output(), int_op)});
  };
}

// x << s = x · 2^s; x >> s = floor(x / 2^s) (arithmetic shift for signed ints).
Converter shift(bool left) {
  return [left](ExportContext& ctx, const Node* node, const Args& a) {
    int32_t t = result_type(ctx, node);
    if (is_floating(t) || t == onnx::TensorProto_DataType_BOOL) unsupported(node, "a shift of a non-integer tensor");
    std::string x = operand(ctx, a.value(0), t), s = operand(ctx, a.value(1), t);
    std::string p = emit(ctx, "Pow", {constant_like(ctx, 2, x, "two"), s}, "pow2");
    if (left) {
      ctx.add_node("Mul", {x, p}, {ctx.out(node->output(), "lshift")});
      return;
    }
    ctx.bind(node->output(), floor_divide(ctx, x, p, static_cast<onnx::TensorProto_DataType>(t), ctx.fresh("rshift")));
  };
}

}  // namespace

void register_logical_ops(OpRegistry& r) {
  r.add("aten::logical_and|aten::logical_and_", "v x", logical("And"), "Cast to bool + And");
  r.add("aten::logical_or|aten::logical_or_", "v x", logical("Or"), "Cast to bool + Or");
  r.add("aten::logical_xor|aten::logical_xor_", "v x", logical("Xor"), "Cast to bool + Xor");
  r.add("aten::bitwise_and.Tensor|aten::bitwise_and.Scalar|aten::bitwise_and.Scalar_Tensor|aten::bitwise_and_.Tensor|"
        "aten::bitwise_and_.Scalar|aten::__and__.Tensor|aten::__and__.Scalar|aten::__iand__.Tensor|aten::__iand__.Scalar",
        "x x", bitwise("And", "BitwiseAnd"), "And (bool) or BitwiseAnd (ints, opset ≥ 18)");
  r.add("aten::bitwise_or.Tensor|aten::bitwise_or.Scalar|aten::bitwise_or.Scalar_Tensor|aten::bitwise_or_.Tensor|"
        "aten::bitwise_or_.Scalar|aten::__or__.Tensor|aten::__or__.Scalar|aten::__ior__.Tensor|aten::__ior__.Scalar",
        "x x", bitwise("Or", "BitwiseOr"), "Or (bool) or BitwiseOr (ints, opset ≥ 18)");
  r.add("aten::bitwise_xor.Tensor|aten::bitwise_xor.Scalar|aten::bitwise_xor.Scalar_Tensor|aten::bitwise_xor_.Tensor|"
        "aten::bitwise_xor_.Scalar|aten::__xor__.Tensor|aten::__xor__.Scalar|aten::__ixor__.Tensor|aten::__ixor__.Scalar",
        "x x", bitwise("Xor", "BitwiseXor"), "Xor (bool) or BitwiseXor (ints, opset ≥ 18)");
  r.add("aten::bitwise_left_shift.Tensor|aten::bitwise_left_shift.Tensor_Scalar|aten::bitwise_left_shift.Scalar_Tensor|"
        "aten::__lshift__.Tensor|aten::__lshift__.Scalar",
        "x x", shift(true), "Mul by Pow(2, s)");
  r.add("aten::bitwise_right_shift.Tensor|aten::bitwise_right_shift.Tensor_Scalar|aten::bitwise_right_shift.Scalar_Tensor|"
        "aten::__rshift__.Tensor|aten::__rshift__.Scalar",
        "x x", shift(false), "floor division by Pow(2, s)");
}

}  // namespace kiln
