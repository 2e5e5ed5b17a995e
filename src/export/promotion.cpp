#include "export/promotion.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/scalar_values.h"

namespace kiln {

std::optional<int32_t> onnx_dtype(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return onnx::TensorProto_DataType_FLOAT;
    case at::kDouble: return onnx::TensorProto_DataType_DOUBLE;
    case at::kHalf: return onnx::TensorProto_DataType_FLOAT16;
    case at::kBFloat16: return onnx::TensorProto_DataType_BFLOAT16;
    case at::kLong: return onnx::TensorProto_DataType_INT64;
    case at::kInt: return onnx::TensorProto_DataType_INT32;
    case at::kShort: return onnx::TensorProto_DataType_INT16;
    case at::kChar: return onnx::TensorProto_DataType_INT8;
    case at::kByte: return onnx::TensorProto_DataType_UINT8;
    case at::kBool: return onnx::TensorProto_DataType_BOOL;
    default: return std::nullopt;
  }
}

std::optional<at::ScalarType> torch_dtype(int32_t onnx_type) {
  switch (onnx_type) {
    case onnx::TensorProto_DataType_FLOAT: return at::kFloat;
    case onnx::TensorProto_DataType_DOUBLE: return at::kDouble;
    case onnx::TensorProto_DataType_FLOAT16: return at::kHalf;
    case onnx::TensorProto_DataType_BFLOAT16: return at::kBFloat16;
    case onnx::TensorProto_DataType_INT64: return at::kLong;
    case onnx::TensorProto_DataType_INT32: return at::kInt;
    case onnx::TensorProto_DataType_INT16: return at::kShort;
    case onnx::TensorProto_DataType_INT8: return at::kChar;
    case onnx::TensorProto_DataType_UINT8: return at::kByte;
    case onnx::TensorProto_DataType_BOOL: return at::kBool;
    default: return std::nullopt;
  }
}

int32_t onnx_dtype_or_fail(const Node* node, at::ScalarType t) {
  auto o = onnx_dtype(t);
  if (!o) unsupported(node, fmt::format("dtype {} has no ONNX element type kiln writes", c10::toString(t)));
  return *o;
}

bool is_floating(int32_t t) {
  return t == onnx::TensorProto_DataType_FLOAT || t == onnx::TensorProto_DataType_DOUBLE ||
         t == onnx::TensorProto_DataType_FLOAT16 || t == onnx::TensorProto_DataType_BFLOAT16;
}

bool is_integral(int32_t t) { return !is_floating(t); }

std::optional<int32_t> value_type(ExportContext& ctx, const Value* v) {
  // A tensor known at export is its own truth; LibTorch's annotations can be wrong (a factory's
  // dtype argument it could not read).
  if (ctx.is_static(v) && ctx.constant(v).isTensor()) return onnx_dtype(ctx.constant(v).toTensor().scalar_type());
  if (auto t = scalar_onnx_type(v)) return static_cast<int32_t>(*t);
  if (ctx.is_static(v)) {
    auto iv = ctx.constant(v);
    if (iv.isTensor()) return onnx_dtype(iv.toTensor().scalar_type());
    if (iv.isDouble()) return onnx::TensorProto_DataType_FLOAT;
    if (iv.isInt()) return onnx::TensorProto_DataType_INT64;
    if (iv.isBool()) return onnx::TensorProto_DataType_BOOL;
    return std::nullopt;
  }
  if (auto name = ctx.name_of(v)) return ctx.elem_type_of(*name);
  return std::nullopt;
}

namespace {

int category(int32_t t) {
  if (t == onnx::TensorProto_DataType_BOOL) return 0;
  return is_floating(t) ? 2 : 1;
}

int width(int32_t t) {
  switch (t) {
    case onnx::TensorProto_DataType_DOUBLE:
    case onnx::TensorProto_DataType_INT64: return 8;
    case onnx::TensorProto_DataType_FLOAT:
    case onnx::TensorProto_DataType_INT32: return 4;
    case onnx::TensorProto_DataType_FLOAT16:
    case onnx::TensorProto_DataType_BFLOAT16:
    case onnx::TensorProto_DataType_INT16: return 2;
    default: return 1;
  }
}

int32_t combine(int32_t a, int32_t b) {
  if (category(a) != category(b)) return category(a) > category(b) ? a : b;
  return width(b) > width(a) ? b : a;
}

}  // namespace

int32_t result_type(ExportContext& ctx, const Node* node, size_t count) {
  if (node->outputs().size() == 1) {
    if (auto t = scalar_onnx_type(node->output())) {
      // A comparison's recorded output is bool: the operands' type is what is wanted here.
      if (*t != onnx::TensorProto_DataType_BOOL || node->output()->type()->kind() != c10::TypeKind::TensorType) return *t;
    }
  }
  // Priority: 2 a tensor with dims, 1 a 0-d tensor, 0 a number.
  std::optional<int32_t> best[3];
  for (size_t i = 0; i < std::min(count, node->inputs().size()); ++i) {
    const Value* v = node->input(i);
    if (ctx.is_none(v)) continue;
    auto t = value_type(ctx, v);
    if (!t) continue;
    int priority = 0;
    if (!is_non_tensor(v) && !(ctx.is_static(v) && !ctx.constant(v).isTensor())) {
      auto rank = ctx.is_static(v) ? std::optional<int64_t>(ctx.constant(v).toTensor().dim()) : ctx.rank_of(v);
      priority = rank && *rank == 0 ? 1 : 2;
    }
    auto& slot = best[priority];
    slot = slot ? combine(*slot, *t) : *t;
  }
  std::optional<int32_t> r;
  for (int p = 2; p >= 0; --p) {
    const auto& candidate = best[p];
    if (!candidate) continue;
    const int32_t type = *candidate;
    if (!r) {
      r = type;
    } else if (category(type) > category(*r)) {
      // A higher category from a lower priority: its default type (a Python float → float32).
      r = p == 0 && category(type) == 2 ? onnx::TensorProto_DataType_FLOAT : type;
    }
  }
  return r.value_or(onnx::TensorProto_DataType_FLOAT);
}

std::optional<int32_t> promoted_type(ExportContext& ctx, const std::vector<const Value*>& tensors) {
  std::optional<int32_t> r;
  for (const Value* v : tensors) {
    if (auto t = value_type(ctx, v)) r = r ? combine(*r, *t) : *t;
  }
  return r;
}

std::string operand(ExportContext& ctx, const Value* v, int32_t type) {
  if (ctx.is_static(v)) {
    auto iv = ctx.constant(v);
    bool scalar = iv.isDouble() || iv.isInt() || iv.isBool() || (iv.isTensor() && iv.toTensor().dim() == 0);
    if (scalar) return scalar_operand(ctx, v, static_cast<onnx::TensorProto_DataType>(type));
    if (iv.isTensor()) {
      auto t = iv.toTensor();
      auto want = torch_dtype(type);
      if (want && t.scalar_type() != *want) return ctx.add_initializer(t.to(*want), "const");
    }
  }
  if (is_non_tensor(v)) return scalar_operand(ctx, v, static_cast<onnx::TensorProto_DataType>(type));
  return emit_cast(ctx, ctx.in(v), type);
}

int32_t type_or_float(ExportContext& ctx, const std::string& name) {
  return ctx.elem_type_of(name).value_or(onnx::TensorProto_DataType_FLOAT);
}

std::string constant_like(ExportContext& ctx, double value, const std::string& like, const std::string& hint) {
  return scalar_constant(ctx, value, static_cast<onnx::TensorProto_DataType>(type_or_float(ctx, like)), hint);
}

}  // namespace kiln
