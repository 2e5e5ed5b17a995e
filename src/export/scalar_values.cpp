#include "export/scalar_values.h"

#include <ATen/ATen.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/promotion.h"

namespace kiln {

namespace {

onnx::TensorProto_DataType from_scalar_type(at::ScalarType t) {
  return static_cast<onnx::TensorProto_DataType>(onnx_dtype(t).value_or(onnx::TensorProto_DataType_FLOAT));
}

}  // namespace

std::optional<onnx::TensorProto_DataType> scalar_onnx_type(const Value* v) {
  switch (v->type()->kind()) {
    case c10::TypeKind::IntType: return onnx::TensorProto_DataType_INT64;
    case c10::TypeKind::FloatType: return onnx::TensorProto_DataType_FLOAT;
    case c10::TypeKind::BoolType: return onnx::TensorProto_DataType_BOOL;
    case c10::TypeKind::TensorType:
      if (auto s = v->type()->expect<c10::TensorType>()->scalarType()) return from_scalar_type(*s);
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::string scalar_constant(ExportContext& ctx, double value, onnx::TensorProto_DataType type, const std::string& hint) {
  at::ScalarType dtype = torch_dtype(type).value_or(at::kFloat);
  at::Tensor t = c10::isIntegralType(dtype, /*includeBool=*/false)
                     ? at::scalar_tensor(static_cast<int64_t>(value), dtype)
                     : (dtype == at::kBool ? at::scalar_tensor(value != 0, at::kBool) : at::scalar_tensor(value, dtype));
  return ctx.add_initializer(t.reshape({}), hint);
}

std::string scalar_operand(ExportContext& ctx, const Value* v, onnx::TensorProto_DataType type) {
  if (ctx.is_static(v)) {
    auto iv = ctx.constant(v);
    // Integers keep every bit (9223372036854775807, a while loop's trip count, is not a double).
    auto dtype = torch_dtype(type).value_or(at::kFloat);
    bool integral = c10::isIntegralType(dtype, /*includeBool=*/false);
    if (iv.isTensor() && iv.toTensor().numel() == 1) {
      auto t = iv.toTensor();
      if (integral && c10::isIntegralType(t.scalar_type(), /*includeBool=*/true)) {
        return ctx.add_initializer(at::scalar_tensor(t.item<int64_t>(), dtype), "scalar");
      }
      return scalar_constant(ctx, t.item<double>(), type, "scalar");
    }
    if (iv.isInt() && integral) return ctx.add_initializer(at::scalar_tensor(iv.toInt(), dtype), "scalar");
    if (iv.isInt() || iv.isDouble() || iv.isBool()) return scalar_constant(ctx, ctx.const_double(v), type, "scalar");
  }
  std::string name = ctx.in(v);
  auto have = ctx.elem_type_of(name);
  if (have && *have == type) return name;
  if (!have) {
    auto declared = scalar_onnx_type(v);
    if (declared && *declared == type) return name;
  }
  std::string cast = ctx.fresh("cast");
  auto& n = ctx.add_node("Cast", {name}, {cast});
  set_attr(n, "to", static_cast<int64_t>(type));
  return cast;
}

std::string scalar_operand_or_tensor(ExportContext& ctx, const Value* v, onnx::TensorProto_DataType type) {
  bool scalar_value = is_non_tensor(v);
  if (!scalar_value && ctx.is_static(v)) {
    auto iv = ctx.constant(v);
    scalar_value = iv.isTensor() && iv.toTensor().dim() == 0;
  }
  if (scalar_value) return scalar_operand(ctx, v, type);
  std::string name = ctx.in(v);
  auto have = ctx.elem_type_of(name);
  if (!have || *have == type) return name;
  std::string cast = ctx.fresh("cast");
  auto& n = ctx.add_node("Cast", {name}, {cast});
  set_attr(n, "to", static_cast<int64_t>(type));
  return cast;
}

std::string pack_int_list(ExportContext& ctx, const Node* node, const Value* list) {
  if (ctx.is_static(list)) return ctx.add_int64s(ctx.const_ints(list), "shape");
  auto elems = ctx.list_elements(list);
  if (!elems) {
    if (ctx.is_bound(list)) return ctx.in(list);  // a run-time shape (x.size())
    unsupported(node, "an int list kiln does not track");
  }
  return pack_int_elements(ctx, *elems);
}

std::string pack_int_elements(ExportContext& ctx, const std::vector<const Value*>& elems) {
  std::vector<std::string> parts;
  std::vector<int64_t> run;  // consecutive static elements, packed into one initializer
  auto flush = [&] {
    if (!run.empty()) parts.push_back(ctx.add_int64s(run, "dims"));
    run.clear();
  };
  for (const Value* e : elems) {
    if (ctx.is_static(e)) {
      run.push_back(ctx.const_int(e));
      continue;
    }
    flush();
    std::string x = scalar_operand(ctx, e, onnx::TensorProto_DataType_INT64);
    std::string u = ctx.fresh("dim");
    ctx.add_node("Unsqueeze", {x, ctx.add_int64s({0}, "axes")}, {u});
    parts.push_back(u);
  }
  flush();
  if (parts.size() == 1) return parts[0];
  std::string out = ctx.fresh("shape");
  auto& n = ctx.add_node("Concat", parts, {out});
  set_attr(n, "axis", 0);
  return out;
}

void hint_shape_from_elements(ExportContext& ctx, const std::string& name, int32_t elem_type,
                              const std::vector<const Value*>& elems) {
  std::vector<int64_t> dims;
  std::vector<std::string> syms;
  for (const Value* e : elems) {
    dims.push_back(ctx.is_static(e) ? ctx.const_int(e) : -1);
    syms.push_back(ctx.is_static(e) ? "" : ctx.symbol_of(e));
  }
  ctx.hint_shape(name, elem_type, dims, syms);
}

std::string floor_divide(ExportContext& ctx, const std::string& a, const std::string& b,
                         onnx::TensorProto_DataType type, const std::string& out) {
  bool floating = type == onnx::TensorProto_DataType_FLOAT || type == onnx::TensorProto_DataType_DOUBLE ||
                  type == onnx::TensorProto_DataType_FLOAT16;
  if (floating) {
    std::string q = ctx.fresh("div");
    ctx.add_node("Div", {a, b}, {q});
    ctx.add_node("Floor", {q}, {out});
    return out;
  }
  // (a - a mod b) / b is exact, and Mod with fmod=0 takes the divisor's sign, as Python does.
  std::string m = ctx.fresh("mod"), d = ctx.fresh("sub");
  ctx.add_node("Mod", {a, b}, {m});
  ctx.add_node("Sub", {a, m}, {d});
  ctx.add_node("Div", {d, b}, {out});
  return out;
}

std::string floor_remainder(ExportContext& ctx, const std::string& a, const std::string& b,
                            onnx::TensorProto_DataType type, const std::string& out) {
  bool floating = type == onnx::TensorProto_DataType_FLOAT || type == onnx::TensorProto_DataType_DOUBLE ||
                  type == onnx::TensorProto_DataType_FLOAT16;
  if (!floating) {
    ctx.add_node("Mod", {a, b}, {out});
    return out;
  }
  std::string q = floor_divide(ctx, a, b, type, ctx.fresh("floordiv"));
  std::string p = ctx.fresh("mul");
  ctx.add_node("Mul", {q, b}, {p});
  ctx.add_node("Sub", {a, p}, {out});
  return out;
}

}  // namespace kiln
