// Shapes: view/reshape (to static or run-time sizes), flatten/unflatten, squeeze/unsqueeze,
// atleast_Nd, *_as, and the sizes themselves (numel, _shape_as_tensor).
#include <cstdint>
#include <set>

#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// view(x, [n, -1, h, w]) with n dynamic: ONNX cannot infer the -1 (the batch is symbolic), and
// later ops need it. When the symbols on both sides cancel (n is x.size(0), x's dim 0 is
// "batch"), the -1 is a number at export: numel's static part over the target's.
std::optional<std::vector<const Value*>> resolve_minus_one(ExportContext& ctx, const Value* x,
                                                           const std::vector<const Value*>& elems) {
  auto dims = ctx.dims_of(x);
  auto syms = ctx.dim_symbols_of(x);
  if (!dims || syms.size() != dims->size()) return std::nullopt;
  int64_t coef_in = 1;
  std::multiset<std::string> sym_in, sym_t;
  for (size_t i = 0; i < dims->size(); ++i) {
    if ((*dims)[i] >= 0) coef_in *= (*dims)[i];
    else if (!syms[i].empty()) sym_in.insert(syms[i]);
    else return std::nullopt;
  }
  int64_t coef_t = 1;
  int minus_one = -1;
  for (size_t i = 0; i < elems.size(); ++i) {
    if (ctx.is_static(elems[i])) {
      int64_t v = ctx.const_int(elems[i]);
      if (v == -1) {
        if (minus_one >= 0) return std::nullopt;
        minus_one = static_cast<int>(i);
      } else {
        coef_t *= v;
      }
      continue;
    }
    std::string s = ctx.symbol_of(elems[i]);
    if (s.empty()) return std::nullopt;
    sym_t.insert(s);
  }
  if (minus_one < 0 || sym_in != sym_t || coef_t <= 0 || coef_in % coef_t != 0) return std::nullopt;
  auto out = elems;
  out[static_cast<size_t>(minus_one)] = ctx.mint_static(c10::IValue(coef_in / coef_t), c10::IntType::get());
  return out;
}

// x reshaped to an element list (static and dynamic ints).
void reshape_to(ExportContext& ctx, const Node* node, const std::vector<const Value*>& elems) {
  auto resolved = resolve_minus_one(ctx, node->input(0), elems);
  const auto& use = resolved ? *resolved : elems;
  std::string x = ctx.in(node->input(0));
  std::string out = ctx.out(node->output(), "reshape");
  ctx.add_node("Reshape", {x, pack_int_elements(ctx, use)}, {out});
  // ONNX does not infer a Reshape to a computed shape: tell it what is known.
  if (auto type = ctx.elem_type_of(x)) hint_shape_from_elements(ctx, out, *type, use);
}

// view / reshape(x, shape). A 0 in PyTorch's shape is a zero-sized dim; ONNX's Reshape would read
// it as "copy": refused (allowzero needs the data to be empty anyway).
void reshape(ExportContext& ctx, const Node* node, const Args& a) {
  if (a.is_static(1))
    for (auto d : a.ints(1))
      if (d == 0) unsupported(node, "a zero-sized dimension in a shape argument");
  if (ctx.is_complex(a.value(0))) {  // a real pair: the shape asked for, then the pair dim
    auto& c = ctx.add_node("Concat", {a.packed_ints(1), ctx.add_int64s({2}, "pair")}, {ctx.fresh("shape")});
    set_attr(c, "axis", int64_t{0});
    std::string out = ctx.out(node->output(), "reshape");
    ctx.add_node("Reshape", {a.tensor(0), c.output(0)}, {out});
    ctx.mark_complex(out);
    return;
  }
  if (!a.is_static(1)) {
    if (auto elems = ctx.list_elements(a.value(1))) return reshape_to(ctx, node, *elems);
  }
  ctx.add_node("Reshape", {a.tensor(0), a.packed_ints(1)}, {ctx.out(node->output(), "reshape")});
}

void reshape_as(ExportContext& ctx, const Node* node, const Args& a) {
  emit_reshape_like(ctx, a.tensor(0), a.tensor(1), "reshape", ctx.out(node->output(), "reshape"));
}

void reshape_from_tensor(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.add_node("Reshape", {a.tensor(0), emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_INT64)},
               {ctx.out(node->output(), "reshape")});
}

// unflatten(x, dim, sizes): x's dims with `dim` replaced by `sizes`, the others read from x.
void unflatten(ExportContext& ctx, const Node* node, const Args& a) {
  auto dims = ctx.dims_of(a.value(0));
  if (!dims) unsupported(node, "unflatten of a tensor of unknown rank");
  auto syms = ctx.dim_symbols_of(a.value(0));
  int64_t rank = static_cast<int64_t>(dims->size());
  int64_t dim = normalize_dim(node, a.i(1), rank);
  std::vector<const Value*> sizes;
  if (a.is_static(2)) {
    for (auto v : a.ints(2)) sizes.push_back(ctx.mint_static(c10::IValue(v), c10::IntType::get()));
  } else if (auto e = ctx.list_elements(a.value(2))) {
    sizes = *e;
  } else {
    unsupported(node, "sizes kiln does not track");
  }
  std::string shape;
  std::vector<const Value*> elems;
  auto from_input = [&](int64_t i) {
    if ((*dims)[static_cast<size_t>(i)] >= 0) {
      elems.push_back(ctx.mint_static(c10::IValue((*dims)[static_cast<size_t>(i)]), c10::IntType::get()));
      return;
    }
    if (shape.empty()) shape = emit_shape(ctx, a.tensor(0));
    std::string d = emit(ctx, "Gather", {shape, ctx.add_int64s({i}, "dim", true)}, "size");
    const Value* e = ctx.mint(d, c10::IntType::get());
    if (static_cast<size_t>(i) < syms.size() && !syms[static_cast<size_t>(i)].empty()) ctx.set_symbol(e, syms[static_cast<size_t>(i)]);
    elems.push_back(e);
  };
  for (int64_t i = 0; i < dim; ++i) from_input(i);
  elems.insert(elems.end(), sizes.begin(), sizes.end());
  for (int64_t i = dim + 1; i < rank; ++i) from_input(i);
  reshape_to(ctx, node, elems);
}

// flatten(x, start, end)
void flatten(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t start = a.i(1), end = a.i(2);
  std::string x = a.tensor(0);
  auto rank = ctx.rank_of(a.value(0));
  if (rank && *rank == 0) {  // a 0-d tensor flattens to [1]
    ctx.add_node("Reshape", {x, ctx.add_int64s({1}, "shape")}, {ctx.out(node->output(), "flatten")});
    return;
  }
  if (end == -1 || (rank && end == *rank - 1)) {
    if (start == 1 || (rank && start == 1 - *rank)) {
      auto& n = ctx.add_node("Flatten", {x}, {ctx.out(node->output(), "flatten")});
      set_attr(n, "axis", 1);
      return;
    }
    if (start == 0 || (rank && start == -*rank)) {
      ctx.add_node("Reshape", {x, ctx.add_int64s({-1}, "shape")}, {ctx.out(node->output(), "flatten")});
      return;
    }
  }
  if (!rank) unsupported(node, "flatten of a tensor of unknown rank");
  start = normalize_dim(node, start, *rank);
  end = normalize_dim(node, end, *rank);
  if (start == end) return alias(ctx, node);
  // [x.shape[:start], -1, x.shape[end+1:]] from the run-time shape: dynamic dims stay dynamic.
  std::string shape = emit_shape(ctx, x);
  std::vector<std::string> parts;
  if (start > 0) parts.push_back(emit(ctx, "Slice", {shape, ctx.add_int64s({0}, "starts"), ctx.add_int64s({start}, "ends")}, "head"));
  parts.push_back(ctx.add_int64s({-1}, "flat"));
  if (end + 1 < *rank) {
    parts.push_back(emit(ctx, "Slice", {shape, ctx.add_int64s({end + 1}, "starts"), ctx.add_int64s({*rank}, "ends")}, "tail"));
  }
  auto& cat = ctx.add_node("Concat", parts, {ctx.fresh("flat_shape")});
  set_attr(cat, "axis", int64_t{0});
  ctx.add_node("Reshape", {x, cat.output(0)}, {ctx.out(node->output(), "flatten")});
}

void unsqueeze(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = a.i(1) < 0 ? a.i(1) + rank + 1 : a.i(1);
  ctx.add_node("Unsqueeze", {a.tensor(0), ctx.add_int64s({dim}, "axes")}, {ctx.out(node->output(), "unsqueeze")});
}

// squeeze(x[, dims]): PyTorch leaves a dim whose size is not 1; ONNX's Squeeze would fail on it.
// Static sizes decide at export; a dynamic one becomes an If on its run-time size.
void squeeze_dims(ExportContext& ctx, const Node* node, const std::string& x, std::vector<int64_t> want) {
  auto dims = ctx.dims_of(node->input(0));
  if (!dims) unsupported(node, "squeeze of a tensor of unknown rank");
  int64_t rank = static_cast<int64_t>(dims->size());
  if (rank == 0) return alias(ctx, node);
  std::vector<int64_t> axes, dynamic;
  for (auto d : want) {
    d = normalize_dim(node, d, rank);
    int64_t size = (*dims)[static_cast<size_t>(d)];
    if (size == 1) axes.push_back(d);
    else if (size < 0) dynamic.push_back(d);
  }
  if (dynamic.size() > 1) unsupported(node, "squeezing more than one dim of run-time size");
  std::string y = x;
  std::string out = ctx.out(node->output(), "squeeze");
  if (dynamic.empty()) {
    if (axes.empty()) return ctx.bind(node->output(), x);
    ctx.add_node("Squeeze", {x, ctx.add_int64s(axes, "axes")}, {out});
    return;
  }
  // Squeeze the static ones first, then If(size == 1, Squeeze, Identity) on the dynamic one.
  int64_t d = dynamic[0];
  if (!axes.empty()) {
    y = emit(ctx, "Squeeze", {x, ctx.add_int64s(axes, "axes")}, "squeezed");
    int64_t shift = 0;
    for (auto s : axes) shift += s < d ? 1 : 0;
    d -= shift;
  }
  std::string size = emit(ctx, "Gather", {emit_shape(ctx, y), ctx.add_int64s({d}, "dim", true)}, "size");
  std::string is_one = emit(ctx, "Equal", {size, ctx.add_int64s({1}, "one", true)}, "is_one");
  emit_if(
      ctx, is_one, type_or_float(ctx, y), [&] { return emit(ctx, "Squeeze", {y, ctx.add_int64s({d}, "axes")}, "squeezed"); },
      [&] { return y; }, out);
}

void squeeze_all(ExportContext& ctx, const Node* node, const Args& a) {
  auto dims = ctx.dims_of(a.value(0));
  bool all_static = dims.has_value();
  if (dims)
    for (auto d : *dims) all_static &= d >= 0;
  if (!all_static) {  // ONNX's Squeeze without axes squeezes the run-time 1s, as PyTorch does
    ctx.add_node("Squeeze", {a.tensor(0)}, {ctx.out(node->output(), "squeeze")});
    return;
  }
  std::vector<int64_t> all;
  for (size_t i = 0; i < dims->size(); ++i) all.push_back(static_cast<int64_t>(i));
  squeeze_dims(ctx, node, a.tensor(0), all);
}
void squeeze_dim(ExportContext& ctx, const Node* node, const Args& a) { squeeze_dims(ctx, node, a.tensor(0), {a.i(1)}); }
void squeeze_list(ExportContext& ctx, const Node* node, const Args& a) { squeeze_dims(ctx, node, a.tensor(0), a.ints(1)); }

// atleast_Nd(x): a 0-d tensor becomes [1] (or [1, 1], [1, 1, 1]); a 1-d [n] becomes [1, n]
// (2d) or [1, n, 1] (3d); a 2-d [m, n] becomes [m, n, 1] (3d).
std::string atleast(ExportContext& ctx, const Node* node, const Value* v, int n) {
  int64_t rank = rank_or_fail(ctx, node, v);
  std::string x = ctx.in(v);
  if (rank >= n) return x;
  std::vector<int64_t> axes;
  if (n == 1) axes = {0};
  else if (n == 2) axes = rank == 0 ? std::vector<int64_t>{0, 1} : std::vector<int64_t>{0};
  else axes = rank == 0 ? std::vector<int64_t>{0, 1, 2} : rank == 1 ? std::vector<int64_t>{0, 2} : std::vector<int64_t>{2};
  return emit_unsqueeze(ctx, x, axes);
}
Converter atleast_one(int n) {
  return [n](ExportContext& ctx, const Node* node, const Args& a) { ctx.bind(node->output(), atleast(ctx, node, a.value(0), n)); };
}
Converter atleast_list(int n) {
  return [n](ExportContext& ctx, const Node* node, const Args& a) {
    std::vector<const Value*> outs;
    for (const Value* v : a.tensors(0)) outs.push_back(ctx.mint(atleast(ctx, node, v, n)));
    ctx.record_list(node->output(), std::move(outs));
  };
}

// numel(x): static when every dim is, else ONNX Size (a 0-d int64).
void numel(ExportContext& ctx, const Node* node, const Args& a) {
  if (auto dims = ctx.dims_of(a.value(0))) {
    int64_t n = 1;
    bool all = true;
    for (auto d : *dims) {
      all &= d >= 0;
      n *= d < 0 ? 1 : d;
    }
    if (all) return ctx.set_known(node->output(), c10::IValue(n));
  }
  ctx.add_node("Size", {a.tensor(0)}, {ctx.out(node->output(), "numel")});
}

void shape_as_tensor(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.add_node("Shape", {a.tensor(0)}, {ctx.out(node->output(), "shape")});
}

}  // namespace

void register_shape_ops(OpRegistry& r) {
  r.add("aten::flatten.using_ints", "v i i", flatten, "Flatten, or Reshape to [head, −1, tail]");
  r.add("aten::view|aten::reshape", "v iv", reshape, "Reshape", OpOptions{.complex = true});
  r.add("aten::view_as|aten::reshape_as", "v v", reshape_as, "Shape + Reshape");
  r.add("aten::_reshape_from_tensor", "v v", reshape_from_tensor, "Reshape");
  r.add("aten::unflatten.int", "v i iv", unflatten, "Reshape");
  r.add("aten::unsqueeze|aten::unsqueeze_", "v i", unsqueeze, "Unsqueeze");
  r.add("aten::squeeze|aten::squeeze_", "v", squeeze_all, "Squeeze");
  r.add("aten::squeeze.dim|aten::squeeze_.dim", "v i", squeeze_dim, "Squeeze (If on a dim of run-time size)");
  r.add("aten::squeeze.dims|aten::squeeze_.dims", "v is", squeeze_list, "Squeeze (If on a dim of run-time size)");
  r.add("aten::atleast_1d", "v", atleast_one(1), "nothing or Unsqueeze");
  r.add("aten::atleast_2d", "v", atleast_one(2), "nothing or Unsqueeze");
  r.add("aten::atleast_3d", "v", atleast_one(3), "nothing or Unsqueeze");
  r.add("aten::atleast_1d.Sequence", "vs", atleast_list(1), "nothing or Unsqueeze per tensor");
  r.add("aten::atleast_2d.Sequence", "vs", atleast_list(2), "nothing or Unsqueeze per tensor");
  r.add("aten::atleast_3d.Sequence", "vs", atleast_list(3), "nothing or Unsqueeze per tensor");
  r.add("aten::numel", "v", numel, "nothing (static) or Size", {.world = OpWorld::Scalar});
  r.add("aten::_shape_as_tensor", "v", shape_as_tensor, "Shape");
}

}  // namespace kiln
