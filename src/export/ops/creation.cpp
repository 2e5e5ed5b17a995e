// Tensors made in the graph: zeros / ones / full / empty (and their _like and new_ forms) →
// ConstantOfShape over a static or run-time shape (an RNN's zero initial state sized by the
// batch); arange / linspace → Range; eye → EyeLike; scalar_tensor / tensor of run-time numbers;
// fill; meshgrid; window functions (opset 17). With static arguments they fold at export instead.
#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// A tensor's dtype: recorded by TorchScript, else inferred from its ONNX value; float32 when unknown.
at::ScalarType dtype_of(ExportContext& ctx, const Value* v) {
  if (auto t = v->type()->cast<c10::TensorType>()) {
    if (auto s = t->scalarType()) return *s;
  }
  if (auto t = value_type(ctx, v)) {
    if (auto s = torch_dtype(*t)) return *s;
  }
  return at::kFloat;
}

// The dtype a factory makes: the declared one, else PyTorch's default for it (`fallback`). Not
// TorchScript's recorded output type: for a run-time Scalar fill value it records double where
// PyTorch makes float32.
at::ScalarType factory_dtype(const Node* node, const Args& a, size_t dtype_arg, at::ScalarType fallback) {
  (void)node;
  if (auto d = a.dtype(dtype_arg)) return *d;
  return fallback;
}

// full's default dtype: from its fill value (bool → bool, int → int64, float → float32).
at::ScalarType fill_dtype(ExportContext& ctx, const Value* v) {
  auto t = value_type(ctx, v);
  if (t && *t == onnx::TensorProto_DataType_BOOL) return at::kBool;
  if (t && !is_floating(*t)) return at::kLong;
  return at::kFloat;
}

onnx::AttributeProto& value_attr(onnx::NodeProto& n, const Node* node, double value, at::ScalarType dtype) {
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  auto t = at::full({1}, value, at::TensorOptions().dtype(dtype)).contiguous();
  auto* tp = a->mutable_t();
  tp->set_data_type(onnx_dtype_or_fail(node, dtype));
  tp->add_dims(1);
  tp->set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
  return *a;
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
  value_attr(n, node, value, dtype);
  if (size_list != nullptr) {
    if (auto elems = ctx.list_elements(size_list)) {
      hint_shape_from_elements(ctx, out, onnx_dtype_or_fail(node, dtype), *elems);
    }
  }
}

// zeros(size, dtype, layout, device, pin) / ones / empty; full(size, value, dtype, ...)
Converter sized(double value) {
  return [value](ExportContext& c, const Node* n, const Args& a) {
    auto dtype = factory_dtype(n, a, 1, at::kFloat);
    if (static_fill(c, n, a.value(0), value, dtype)) return;
    constant_of_shape(c, n, a.packed_ints(0), value, dtype, a.value(0));
  };
}
void full(ExportContext& c, const Node* n, const Args& a) {
  if (!a.is_static(1)) {  // a run-time fill value: Expand it
    auto dtype = factory_dtype(n, a, 2, fill_dtype(c, a.value(1)));
    std::string v = operand(c, a.value(1), onnx_dtype_or_fail(n, dtype));
    c.add_node("Expand", {v, a.packed_ints(0)}, {c.out(n->output(), "full")});
    return;
  }
  double value = c.const_double(a.value(1));
  auto dtype = factory_dtype(n, a, 2, fill_dtype(c, a.value(1)));
  if (static_fill(c, n, a.value(0), value, dtype)) return;
  constant_of_shape(c, n, a.packed_ints(0), value, dtype, a.value(0));
}
// zeros_like(x, dtype, ...) / ones_like / empty_like; full_like(x, value, dtype, ...)
Converter like(double value) {
  return [value](ExportContext& c, const Node* n, const Args& a) {
    constant_of_shape(c, n, emit_shape(c, a.tensor(0)), value, factory_dtype(n, a, 1, dtype_of(c, a.value(0))));
  };
}
void full_like(ExportContext& c, const Node* n, const Args& a) {
  auto dtype = factory_dtype(n, a, 2, dtype_of(c, a.value(0)));
  if (!a.is_static(1)) {
    std::string v = operand(c, a.value(1), onnx_dtype_or_fail(n, dtype));
    c.add_node("Expand", {v, emit_shape(c, a.tensor(0))}, {c.out(n->output(), "full_like")});
    return;
  }
  constant_of_shape(c, n, emit_shape(c, a.tensor(0)), c.const_double(a.value(1)), dtype);
}
// new_zeros(self, size, dtype, ...) / new_ones / new_empty; new_full(self, size, value, dtype, ...)
Converter new_sized(double value) {
  return [value](ExportContext& c, const Node* n, const Args& a) {
    auto dtype = factory_dtype(n, a, 2, dtype_of(c, a.value(0)));
    if (static_fill(c, n, a.value(1), value, dtype)) return;
    constant_of_shape(c, n, a.packed_ints(1), value, dtype, a.value(1));
  };
}
void new_full(ExportContext& c, const Node* n, const Args& a) {
  auto dtype = factory_dtype(n, a, 3, dtype_of(c, a.value(0)));
  if (!a.is_static(2)) {
    std::string v = operand(c, a.value(2), onnx_dtype_or_fail(n, dtype));
    c.add_node("Expand", {v, a.packed_ints(1)}, {c.out(n->output(), "new_full")});
    return;
  }
  double value = c.const_double(a.value(2));
  if (static_fill(c, n, a.value(1), value, dtype)) return;
  constant_of_shape(c, n, a.packed_ints(1), value, dtype, a.value(1));
}

// fill(self, value) / zero(self): self's shape and dtype, every element the value.
void fill(ExportContext& c, const Node* n, const Args& a) {
  std::string x = a.tensor(0);
  int32_t t = type_or_float(c, x);
  std::string v = operand(c, a.value(1), t);
  if (auto rank = c.rank_of(a.value(1)); rank && *rank > 0) v = emit(c, "Reshape", {v, c.add_int64s({}, "scalar")}, "value");
  c.add_node("Expand", {v, emit_shape(c, x)}, {c.out(n->output(), "fill")});
}
// copy_(self, src): src in self's dtype, broadcast to self's shape (the write itself, into self
// or the base self views, is the registry's: in-place ops rebind their input).
void copy(ExportContext& c, const Node* n, const Args& a) {
  std::string x = a.tensor(0);
  std::string v = operand(c, a.value(1), type_or_float(c, x));
  c.add_node("Expand", {v, emit_shape(c, x)}, {c.out(n->output(), "copy")});
}
void zero(ExportContext& c, const Node* n, const Args& a) {
  constant_of_shape(c, n, emit_shape(c, a.tensor(0)), 0, dtype_of(c, a.value(0)));
}

// arange(end) / arange(start, end) / arange(start, end, step) → Range. The dtype: the declared
// one, else int64 when every bound is an int, else float32 — PyTorch's rule.
void arange_impl(ExportContext& ctx, const Node* node, const Args& a, size_t nbounds) {
  bool floating = false;
  for (size_t i = 0; i < nbounds; ++i) {
    auto t = value_type(ctx, a.value(i));
    floating |= t && is_floating(*t);
  }
  at::ScalarType dtype = factory_dtype(node, a, nbounds, floating ? at::kFloat : at::kLong);
  int32_t out_type = onnx_dtype_or_fail(node, dtype);
  // Computed in the bounds' kind (float bounds into an int dtype count like PyTorch, then cast).
  int32_t work = floating ? (dtype == at::kDouble ? onnx::TensorProto_DataType_DOUBLE : onnx::TensorProto_DataType_FLOAT)
                          : (is_floating(out_type) ? out_type : onnx::TensorProto_DataType_INT64);
  auto constant = [&](double v) { return scalar_constant(ctx, v, static_cast<onnx::TensorProto_DataType>(work), "range"); };
  auto bound = [&](size_t i) { return operand(ctx, a.value(i), work); };
  std::string start = nbounds == 1 ? constant(0) : bound(0);
  std::string end = nbounds == 1 ? bound(0) : bound(1);
  std::string step = nbounds == 3 ? bound(2) : constant(1);
  if (work == out_type) {
    ctx.add_node("Range", {start, end, step}, {ctx.out(node->output(), "arange")});
    return;
  }
  std::string r = emit(ctx, "Range", {start, end, step}, "range");
  auto& c = ctx.add_node("Cast", {r}, {ctx.out(node->output(), "arange")});
  set_attr(c, "to", static_cast<int64_t>(out_type));
}
void arange(ExportContext& c, const Node* n, const Args& a) { arange_impl(c, n, a, 1); }
void arange_start(ExportContext& c, const Node* n, const Args& a) { arange_impl(c, n, a, 2); }
void arange_step(ExportContext& c, const Node* n, const Args& a) { arange_impl(c, n, a, 3); }

// _dim_arange(like, dim) = arange(like.size(dim))
void dim_arange(ExportContext& ctx, const Node* node, const Args& a) {
  std::string n = emit(ctx, "Squeeze", {emit_dim(ctx, a.tensor(0), a.i(1)), ctx.add_int64s({0}, "axes")}, "size");
  ctx.add_node("Range", {ctx.add_int64s({0}, "zero", true), n, ctx.add_int64s({1}, "one", true)},
               {ctx.out(node->output(), "arange")});
}

// linspace(start, end, steps): start + i·step for the first half, end − (steps−1−i)·step for the
// rest (LibTorch's symmetric formula), in float, then the dtype. steps may be a run-time int.
void linspace(ExportContext& ctx, const Node* node, const Args& a) {
  at::ScalarType dtype = factory_dtype(node, a, 3, at::kFloat);
  int32_t out_type = onnx_dtype_or_fail(node, dtype);
  int32_t work = dtype == at::kDouble ? onnx::TensorProto_DataType_DOUBLE : onnx::TensorProto_DataType_FLOAT;
  auto w = static_cast<onnx::TensorProto_DataType>(work);
  if (a.int_is_static(2) && a.i(2) <= 0) {
    auto& z = ctx.add_node("ConstantOfShape", {ctx.add_int64s({0}, "empty")}, {ctx.out(node->output(), "linspace")});
    value_attr(z, node, 0, dtype);
    return;
  }
  std::string start = operand(ctx, a.value(0), work), end = operand(ctx, a.value(1), work);
  if (ctx.rank_of(a.value(0)).value_or(0) > 0) start = emit(ctx, "Reshape", {start, ctx.add_int64s({}, "scalar")}, "start");
  if (ctx.rank_of(a.value(1)).value_or(0) > 0) end = emit(ctx, "Reshape", {end, ctx.add_int64s({}, "scalar")}, "end");
  std::string steps = emit_cast(ctx, a.dyn_int(2), work);  // a float 0-d
  std::string one = scalar_constant(ctx, 1, w, "one");
  std::string i = emit(ctx, "Range", {scalar_constant(ctx, 0, w, "zero"), steps, one}, "index");
  std::string intervals = emit(ctx, "Max", {emit(ctx, "Sub", {steps, one}, "intervals"), one}, "intervals");  // steps 1: no division by 0
  std::string step = emit(ctx, "Div", {emit(ctx, "Sub", {end, start}, "span"), intervals}, "step");
  std::string fwd = emit(ctx, "Add", {start, emit(ctx, "Mul", {i, step}, "offset")}, "forward");
  std::string last = emit(ctx, "Sub", {steps, one}, "last");
  std::string bwd = emit(ctx, "Sub", {end, emit(ctx, "Mul", {emit(ctx, "Sub", {last, i}, "back_index"), step}, "back_offset")}, "backward");
  std::string half = emit(ctx, "Floor", {emit(ctx, "Div", {steps, scalar_constant(ctx, 2, w, "two")}, "half")}, "half");
  std::string y = emit(ctx, "Where", {emit(ctx, "Less", {i, half}, "first_half"), fwd, bwd}, "linspace",
                       work == out_type ? ctx.out(node->output(), "linspace") : "");
  if (work != out_type) {
    auto& c = ctx.add_node("Cast", {y}, {ctx.out(node->output(), "linspace")});
    set_attr(c, "to", static_cast<int64_t>(out_type));
  }
}

// eye(n[, m]) with a run-time size: EyeLike over a zero [n, m].
void eye_impl(ExportContext& ctx, const Node* node, const Args& a, bool square) {
  at::ScalarType dtype = factory_dtype(node, a, square ? 1 : 2, at::kFloat);
  auto unsq = [&](size_t i) { return emit_unsqueeze(ctx, a.dyn_int(i), {0}); };
  std::string rows = unsq(0), cols = square ? rows : unsq(1);
  auto& cat = ctx.add_node("Concat", {rows, cols}, {ctx.fresh("eye_shape")});
  set_attr(cat, "axis", int64_t{0});
  std::string shape = cat.output(0);
  auto& z = ctx.add_node("ConstantOfShape", {shape}, {ctx.fresh("zeros")});
  value_attr(z, node, 0, dtype);
  ctx.add_node("EyeLike", {z.output(0)}, {ctx.out(node->output(), "eye")});
}
void eye(ExportContext& c, const Node* n, const Args& a) { eye_impl(c, n, a, true); }
void eye_m(ExportContext& c, const Node* n, const Args& a) { eye_impl(c, n, a, false); }

// scalar_tensor(s, dtype) / tensor(number, dtype) / as_tensor(number, dtype): a 0-d tensor.
void scalar_tensor(ExportContext& ctx, const Node* node, const Args& a) {
  auto t = value_type(ctx, a.value(0)).value_or(onnx::TensorProto_DataType_FLOAT);
  at::ScalarType fallback = t == onnx::TensorProto_DataType_INT64 ? at::kLong
                            : t == onnx::TensorProto_DataType_BOOL ? at::kBool : at::kFloat;
  at::ScalarType dtype = factory_dtype(node, a, 1, fallback);
  std::string v = operand(ctx, a.value(0), onnx_dtype_or_fail(node, dtype));
  ctx.bind(node->output(), v);
}

// tensor([a, b, ...]) / as_tensor(list) with run-time elements: the elements packed (ints) or
// concatenated as 1-element tensors.
void tensor_from_list(ExportContext& ctx, const Node* node, const Args& a) {
  auto elems = ctx.list_elements(a.value(0));
  at::ScalarType dtype = factory_dtype(node, a, 1, at::kFloat);
  if (!elems && ctx.is_bound(a.value(0))) {  // a list held as a tensor (x.tolist(), a run-time shape)
    auto inner = ctx.elem_type_of(ctx.in(a.value(0)));
    if (!a.dtype(1) && inner) return ctx.bind(node->output(), ctx.in(a.value(0)));
    return ctx.bind(node->output(), emit_cast(ctx, ctx.in(a.value(0)), onnx_dtype_or_fail(node, dtype)));
  }
  if (!elems) unsupported(node, "a list kiln does not track");
  int32_t t = onnx_dtype_or_fail(node, dtype);
  std::vector<std::string> parts;
  for (const Value* e : *elems) {
    if (!is_non_tensor(e)) unsupported(node, "a nested list of tensors");
    parts.push_back(emit_unsqueeze(ctx, operand(ctx, e, t), {0}));
  }
  auto& n = ctx.add_node("Concat", parts, {ctx.out(node->output(), "tensor")});
  set_attr(n, "axis", int64_t{0});
}

void as_tensor(ExportContext& ctx, const Node* node, const Args& a) {
  if (auto d = a.dtype(1)) {
    ctx.bind(node->output(), emit_cast(ctx, a.tensor(0), onnx_dtype_or_fail(node, *d)));
    return;
  }
  alias(ctx, node);
}

// meshgrid(tensors, indexing): output k is input k reshaped to lie along dim k and expanded to
// every input's length ("xy" swaps the first two dims' roles).
void meshgrid_impl(ExportContext& ctx, const Node* node, const Args& a, const std::string& indexing) {
  if (indexing != "ij" && indexing != "xy") unsupported(node, "indexing='" + indexing + "'");
  auto names = a.tensor_names(0);
  size_t k = names.size();
  std::vector<size_t> axis(k);
  for (size_t i = 0; i < k; ++i) axis[i] = i;
  if (indexing == "xy" && k >= 2) std::swap(axis[0], axis[1]);
  std::vector<std::string> sizes;
  for (size_t i = 0; i < k; ++i) sizes.push_back(emit(ctx, "Reshape", {names[i], ctx.add_int64s({-1}, "flat")}, "flat"));
  std::vector<std::string> lens(k);
  for (size_t i = 0; i < k; ++i) lens[axis[i]] = emit_shape(ctx, sizes[i]);
  auto& cat = ctx.add_node("Concat", lens, {ctx.fresh("grid_shape")});
  set_attr(cat, "axis", int64_t{0});
  std::string shape = cat.output(0);
  std::vector<const Value*> outs;
  for (size_t i = 0; i < k; ++i) {
    std::vector<int64_t> view(k, 1);
    view[axis[i]] = -1;
    std::string r = emit(ctx, "Reshape", {sizes[i], ctx.add_int64s(view, "view")}, "along");
    outs.push_back(ctx.mint(emit(ctx, "Expand", {r, shape}, "grid")));
  }
  ctx.record_list(node->output(), std::move(outs));
}
void meshgrid(ExportContext& c, const Node* n, const Args& a) { meshgrid_impl(c, n, a, "ij"); }
void meshgrid_indexing(ExportContext& c, const Node* n, const Args& a) { meshgrid_impl(c, n, a, a.s(1)); }

// hann_window / hamming_window / blackman_window(n, periodic, dtype) with a run-time length.
Converter window(const char* op, size_t dtype_arg, bool has_periodic) {
  return [op, dtype_arg, has_periodic](ExportContext& ctx, const Node* node, const Args& a) {
    at::ScalarType dtype = factory_dtype(node, a, dtype_arg, at::kFloat);
    auto& n = ctx.add_node(op, {a.dyn_int(0)}, {ctx.out(node->output(), op)});
    set_attr(n, "periodic", static_cast<int64_t>(has_periodic ? a.b(1) : true));
    set_attr(n, "output_datatype", static_cast<int64_t>(onnx_dtype_or_fail(node, dtype)));
  };
}

}  // namespace

void register_creation_ops(OpRegistry& r) {
  const char* factory = " t? _ _ _";
  r.add("aten::zeros", std::string("iv") + factory, sized(0), "ConstantOfShape");
  r.add("aten::ones", std::string("iv") + factory, sized(1), "ConstantOfShape");
  r.add("aten::empty.memory_format", std::string("iv") + factory + " _", sized(0), "ConstantOfShape (zeros)");
  r.add("aten::full", std::string("iv x") + factory, full, "ConstantOfShape (or Expand of a run-time value)");
  r.add("aten::zeros_like", "v t? _ _ _ _", like(0), "Shape + ConstantOfShape");
  r.add("aten::ones_like", "v t? _ _ _ _", like(1), "Shape + ConstantOfShape");
  r.add("aten::empty_like", "v t? _ _ _ _", like(0), "Shape + ConstantOfShape (zeros)");
  r.add("aten::full_like", "v x t? _ _ _ _", full_like, "Shape + ConstantOfShape (or Expand)");
  r.add("aten::new_zeros", std::string("v iv") + factory, new_sized(0), "ConstantOfShape");
  r.add("aten::new_ones", std::string("v iv") + factory, new_sized(1), "ConstantOfShape");
  r.add("aten::new_empty", std::string("v iv") + factory, new_sized(0), "ConstantOfShape (zeros)");
  r.add("aten::new_full", std::string("v iv x") + factory, new_full, "ConstantOfShape (or Expand)");
  r.add("aten::fill.Scalar|aten::fill_.Scalar|aten::fill.Tensor|aten::fill_.Tensor", "v x", fill, "Expand of the value to Shape(self)");
  r.add("aten::copy_", "v x b", copy, "Expand of src (in self's dtype) to Shape(self)");
  r.add("aten::zero|aten::zero_", "v", zero, "Shape + ConstantOfShape");
  r.add("aten::arange", std::string("x") + factory, arange, "Range (+ Cast)");
  r.add("aten::arange.start", std::string("x x") + factory, arange_start, "Range (+ Cast)");
  r.add("aten::arange.start_step", std::string("x x x") + factory, arange_step, "Range (+ Cast)");
  r.add("aten::_dim_arange", "v i", dim_arange, "Shape + Range");
  r.add("aten::linspace|aten::linspace.Tensor_Tensor|aten::linspace.Tensor_Scalar|aten::linspace.Scalar_Tensor",
        std::string("x x id") + factory, linspace, "Range + Mul/Add (LibTorch's symmetric formula)");
  r.add("aten::eye", std::string("id") + factory, eye, "ConstantOfShape + EyeLike");
  r.add("aten::eye.m", std::string("id id") + factory, eye_m, "ConstantOfShape + EyeLike");
  r.add("aten::scalar_tensor", std::string("x") + factory, scalar_tensor, "nothing or Cast (a 0-d tensor)");
  r.add("aten::tensor.int|aten::tensor.float|aten::tensor.bool", "x t? _ _", scalar_tensor, "nothing or Cast (a 0-d tensor)");
  r.add("aten::as_tensor.int|aten::as_tensor.float|aten::as_tensor.bool", "x t? _", scalar_tensor, "nothing or Cast (a 0-d tensor)");
  r.add("aten::tensor", "any t? _ _", tensor_from_list, "Unsqueeze + Concat of the elements");
  r.add("aten::as_tensor.list", "any t? _", tensor_from_list, "Unsqueeze + Concat of the elements");
  r.add("aten::as_tensor", "v t? _", as_tensor, "nothing or Cast");
  r.add("aten::meshgrid", "vs", meshgrid, "Reshape + Expand per input");
  r.add("aten::meshgrid.indexing", "vs s", meshgrid_indexing, "Reshape + Expand per input");
  r.add("aten::hann_window", std::string("id") + factory, window("HannWindow", 1, false), "HannWindow", {.since = 17});
  r.add("aten::hann_window.periodic", std::string("id b") + factory, window("HannWindow", 2, true), "HannWindow", {.since = 17});
  r.add("aten::hamming_window", std::string("id") + factory, window("HammingWindow", 1, false), "HammingWindow", {.since = 17});
  r.add("aten::hamming_window.periodic", std::string("id b") + factory, window("HammingWindow", 2, true), "HammingWindow",
        {.since = 17});
  r.add("aten::blackman_window", std::string("id") + factory, window("BlackmanWindow", 1, false), "BlackmanWindow", {.since = 17});
  r.add("aten::blackman_window.periodic", std::string("id b") + factory, window("BlackmanWindow", 2, true), "BlackmanWindow",
        {.since = 17});
}

}  // namespace kiln
