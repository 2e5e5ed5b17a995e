// Tensors made in the graph: zeros / ones / full (and their _like and new_ forms) → ConstantOfShape
// over a static or run-time shape (an RNN's zero initial state sized by the batch).
#include <ATen/ATen.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

at::ScalarType dtype_or(ExportContext& ctx, const Value* v, at::ScalarType fallback) {
  if (ctx.is_none(v)) return fallback;
  return static_cast<at::ScalarType>(ctx.const_int(v));
}

at::ScalarType dtype_of(const Value* v) {
  if (auto t = v->type()->cast<c10::TensorType>()) {
    if (auto s = t->scalarType()) return *s;
  }
  return at::kFloat;
}

// A tensor of a static size is static (Swin builds its attention mask by writing into one).
bool static_fill(ExportContext& ctx, const Node* node, const Value* size_list, double value, at::ScalarType dtype) {
  if (size_list == nullptr || !ctx.is_static(size_list)) return false;
  ctx.set_known(node->output(), c10::IValue(at::full(ctx.const_ints(size_list), value, at::TensorOptions().dtype(dtype))));
  return true;
}

void constant_of_shape(ExportContext& ctx, const Node* node, const std::string& shape, double value, at::ScalarType dtype,
                       const Value* size_list = nullptr) {
  std::string out = ctx.out(node->output(), "constant_of_shape");
  auto& n = ctx.add_node("ConstantOfShape", {shape}, {out});
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  auto t = at::full({1}, value, at::TensorOptions().dtype(dtype)).contiguous();
  auto* tp = a->mutable_t();
  switch (dtype) {
    case at::kLong: tp->set_data_type(onnx::TensorProto_DataType_INT64); break;
    case at::kInt: tp->set_data_type(onnx::TensorProto_DataType_INT32); break;
    case at::kBool: tp->set_data_type(onnx::TensorProto_DataType_BOOL); break;
    case at::kDouble: tp->set_data_type(onnx::TensorProto_DataType_DOUBLE); break;
    case at::kHalf: tp->set_data_type(onnx::TensorProto_DataType_FLOAT16); break;
    case at::kFloat: tp->set_data_type(onnx::TensorProto_DataType_FLOAT); break;
    default: unsupported(node, "a dtype kiln does not export");
  }
  tp->add_dims(1);
  tp->set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
  if (size_list != nullptr) {
    if (auto elems = ctx.list_elements(size_list)) hint_shape_from_elements(ctx, out, tp->data_type(), *elems);
  }
}

std::string shape_of(ExportContext& ctx, const Value* x) {
  std::string s = ctx.fresh("shape_of");
  ctx.add_node("Shape", {ctx.in(x)}, {s});
  return s;
}

// zeros(size, dtype, layout, device, pin) / ones(...) / full(size, value, dtype, ...)
void zeros(ExportContext& c, const Node* n) {
  if (static_fill(c, n, n->input(0), 0, dtype_or(c, n->input(1), at::kFloat))) return;
  constant_of_shape(c, n, pack_int_list(c, n, n->input(0)), 0, dtype_or(c, n->input(1), at::kFloat), n->input(0));
}
void ones(ExportContext& c, const Node* n) {
  if (static_fill(c, n, n->input(0), 1, dtype_or(c, n->input(1), at::kFloat))) return;
  constant_of_shape(c, n, pack_int_list(c, n, n->input(0)), 1, dtype_or(c, n->input(1), at::kFloat), n->input(0));
}
void full(ExportContext& c, const Node* n) {
  if (static_fill(c, n, n->input(0), c.const_double(n->input(1)), dtype_or(c, n->input(2), at::kFloat))) return;
  constant_of_shape(c, n, pack_int_list(c, n, n->input(0)), c.const_double(n->input(1)),
                    dtype_or(c, n->input(2), at::kFloat));
}
// zeros_like(x, dtype, ...) / ones_like / full_like(x, value, dtype, ...)
void zeros_like(ExportContext& c, const Node* n) {
  constant_of_shape(c, n, shape_of(c, n->input(0)), 0, dtype_or(c, n->input(1), dtype_of(n->input(0))));
}
void ones_like(ExportContext& c, const Node* n) {
  constant_of_shape(c, n, shape_of(c, n->input(0)), 1, dtype_or(c, n->input(1), dtype_of(n->input(0))));
}
void full_like(ExportContext& c, const Node* n) {
  constant_of_shape(c, n, shape_of(c, n->input(0)), c.const_double(n->input(1)),
                    dtype_or(c, n->input(2), dtype_of(n->input(0))));
}
// new_zeros(self, size, dtype, ...) / new_ones / new_full(self, size, value, dtype, ...)
void new_zeros(ExportContext& c, const Node* n) {
  if (static_fill(c, n, n->input(1), 0, dtype_or(c, n->input(2), dtype_of(n->input(0))))) return;
  constant_of_shape(c, n, pack_int_list(c, n, n->input(1)), 0, dtype_or(c, n->input(2), dtype_of(n->input(0))));
}
void new_ones(ExportContext& c, const Node* n) {
  if (static_fill(c, n, n->input(1), 1, dtype_or(c, n->input(2), dtype_of(n->input(0))))) return;
  constant_of_shape(c, n, pack_int_list(c, n, n->input(1)), 1, dtype_or(c, n->input(2), dtype_of(n->input(0))));
}
void new_full(ExportContext& c, const Node* n) {
  if (static_fill(c, n, n->input(1), c.const_double(n->input(2)), dtype_or(c, n->input(3), dtype_of(n->input(0))))) return;
  constant_of_shape(c, n, pack_int_list(c, n, n->input(1)), c.const_double(n->input(2)),
                    dtype_or(c, n->input(3), dtype_of(n->input(0))));
}

}  // namespace

void add_creation_ops(OpTable& t) {
  t["aten::zeros"] = {zeros, "ConstantOfShape"};
  t["aten::ones"] = {ones, "ConstantOfShape"};
  t["aten::full"] = {full, "ConstantOfShape"};
  t["aten::zeros_like"] = {zeros_like, "Shape + ConstantOfShape"};
  t["aten::ones_like"] = {ones_like, "Shape + ConstantOfShape"};
  t["aten::full_like"] = {full_like, "Shape + ConstantOfShape"};
  t["aten::new_zeros"] = {new_zeros, "ConstantOfShape"};
  t["aten::new_ones"] = {new_ones, "ConstantOfShape"};
  t["aten::new_full"] = {new_full, "ConstantOfShape"};
}

}  // namespace kiln
