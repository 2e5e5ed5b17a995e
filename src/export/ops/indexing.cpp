// Selecting and scattering by index: select / narrow / slice, index_select, embedding, advanced
// indexing with one index tensor, gather / take, scatter (value, src, reduce) / scatter_add /
// scatter_reduce, index_add / index_copy / index_fill, masked_fill / where, tril / triu,
// diagonal, one_hot, bucketize, topk.
#include <algorithm>
#include <limits>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// A 1-element int64 tensor from a static or dynamic int (Slice's starts/ends).
std::string one_int(ExportContext& ctx, const Value* v, int64_t fallback, const std::string& hint) {
  if (ctx.is_none(v)) return ctx.add_int64s({fallback}, hint);
  if (ctx.is_static(v)) return ctx.add_int64s({ctx.const_int(v)}, hint);
  return emit_unsqueeze(ctx, scalar_operand(ctx, v, onnx::TensorProto_DataType_INT64), {0});
}

// select(x, dim, index) → Gather with a 0-d index (drops the dim)
void select(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t dim = normalize_dim(node, a.i(1), rank_or_fail(ctx, node, a.value(0)));
  auto& n = ctx.add_node("Gather", {a.tensor(0), a.dyn_int(2)}, {ctx.out(node->output(), "select")});
  set_attr(n, "axis", dim);
}

// narrow(x, dim, start, length) → Slice (start may be a run-time int or a 0-d tensor)
void narrow(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t dim = normalize_dim(node, a.i(1), rank_or_fail(ctx, node, a.value(0)));
  std::string start = a.size() > 2 && a.value(2)->type()->kind() == c10::TypeKind::TensorType
                          ? emit(ctx, "Reshape", {emit_cast(ctx, a.tensor(2), onnx::TensorProto_DataType_INT64), ctx.add_int64s({1}, "one")}, "start")
                          : one_int(ctx, a.value(2), 0, "starts");
  std::string len = one_int(ctx, a.value(3), 0, "length");
  // a negative start counts from the end: normalise it with the dim's size first
  if (!(ctx.is_static(a.value(2)) && ctx.const_int(a.value(2)) >= 0)) {
    std::string n = emit_dim(ctx, a.tensor(0), dim);
    std::string neg = emit(ctx, "Less", {start, ctx.add_int64s({0}, "zero")}, "negative");
    start = emit(ctx, "Where", {neg, emit(ctx, "Add", {start, n}, "from_end"), start}, "start");
  }
  std::string end = emit(ctx, "Add", {start, len}, "end");
  ctx.add_node("Slice", {a.tensor(0), start, end, ctx.add_int64s({dim}, "axes")}, {ctx.out(node->output(), "narrow")});
}

// slice(x, dim, start?, end?, step): a full slice (0, None/huge, 1) is no node at all; start and
// end may be dynamic ints.
void slice(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t dim = a.i(1);
  int64_t step = a.i(4);
  const Value* sv = a.value(2);
  const Value* ev = a.value(3);
  bool start_zero = ctx.is_none(sv) || (ctx.is_static(sv) && ctx.const_int(sv) == 0);
  bool end_max = ctx.is_none(ev) || (ctx.is_static(ev) && ctx.const_int(ev) >= INT64_MAX / 2);
  if (start_zero && end_max && step == 1) return alias(ctx, node);
  ctx.add_node("Slice",
               {a.tensor(0), one_int(ctx, sv, 0, "starts"), one_int(ctx, ev, INT64_MAX, "ends"), ctx.add_int64s({dim}, "axes"),
                ctx.add_int64s({step}, "steps")},
               {ctx.out(node->output(), "slice")});
}

// index_select(x, dim, index) → Gather
void index_select(ExportContext& ctx, const Node* node, const Args& a) {
  auto& n = ctx.add_node("Gather", {a.tensor(0), a.tensor(2)}, {ctx.out(node->output(), "index_select")});
  set_attr(n, "axis", normalize_dim(node, a.i(1), rank_or_fail(ctx, node, a.value(0))));
}

// embedding(weight, indices, padding_idx, scale_grad, sparse) → Gather(weight, indices)
void embedding(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.add_node("Gather", {a.tensor(0), a.tensor(1)}, {ctx.out(node->output(), "embedding")});
}

// gather(x, dim, index, sparse_grad) → GatherElements
void gather(ExportContext& ctx, const Node* node, const Args& a) {
  auto& n = ctx.add_node("GatherElements", {a.tensor(0), a.tensor(2)}, {ctx.out(node->output(), "gather")});
  set_attr(n, "axis", normalize_dim(node, a.i(1), rank_or_fail(ctx, node, a.value(0))));
}

// take(x, index): x flattened, then Gather (negative indices count from the end there too).
void take(ExportContext& ctx, const Node* node, const Args& a) {
  std::string flat = emit(ctx, "Reshape", {a.tensor(0), ctx.add_int64s({-1}, "flat")}, "flat");
  ctx.add_node("Gather", {flat, a.tensor(1)}, {ctx.out(node->output(), "take")});
}

std::string scatter_elements(ExportContext& ctx, const std::string& self, const std::string& index, const std::string& src,
                             int64_t axis, const std::string& reduction, const std::string& out) {
  auto& n = ctx.add_node("ScatterElements", {self, index, src}, {out});
  set_attr(n, "axis", axis);
  if (!reduction.empty() && reduction != "none") set_attr(n, "reduction", reduction);
  return out;
}

// scatter(self, dim, index, src|value[, reduce]) → ScatterElements
Converter scatter(bool value_src, bool has_reduce) {
  return [value_src, has_reduce](ExportContext& ctx, const Node* node, const Args& a) {
    std::string self = a.tensor(0), index = a.tensor(2);
    int64_t dim = normalize_dim(node, a.i(1), rank_or_fail(ctx, node, a.value(0)));
    int32_t t = type_or_float(ctx, self);
    std::string src = value_src ? emit(ctx, "Expand", {operand(ctx, a.value(3), t), emit_shape(ctx, index)}, "src")
                                : operand(ctx, a.value(3), t);
    std::string reduction;
    if (has_reduce) {
      const std::string& r = a.s(4);
      if (r == "add") reduction = "add";
      else if (r == "multiply") reduction = "mul";
      else unsupported(node, "reduce='" + r + "'");
      if (ctx.opset() < 16) unsupported(node, "a scatter reduction needs opset 16");
    }
    scatter_elements(ctx, self, index, src, dim, reduction, ctx.out(node->output(), "scatter"));
  };
}

void scatter_add(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t dim = normalize_dim(node, a.i(1), rank_or_fail(ctx, node, a.value(0)));
  std::string self = a.tensor(0);
  scatter_elements(ctx, self, a.tensor(2), operand(ctx, a.value(3), type_or_float(ctx, self)), dim, "add",
                   ctx.out(node->output(), "scatter_add"));
}

// scatter_reduce amax / amin below opset 18 (ScatterElements has no max/min there): with dim moved
// last, every (index element, position) pair compared — E[..., k, n] = (index[..., k] == n) —
// src's value kept where they match, reduced over k, and merged with self where anything landed.
void scatter_extreme_by_compare(ExportContext& ctx, const Node* node, const std::string& self, const std::string& index,
                                const std::string& src, int64_t dim, bool max, bool include_self) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  if (!is_floating(type_or_float(ctx, self))) unsupported(node, "amax / amin on integers below opset 18");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i)
    if (i != dim) perm.push_back(i);
  perm.push_back(dim);
  std::vector<int64_t> back(static_cast<size_t>(rank));
  for (int64_t i = 0; i < rank; ++i) back[static_cast<size_t>(perm[static_cast<size_t>(i)])] = i;
  std::string st = emit_transpose(ctx, self, perm), it = emit_transpose(ctx, index, perm), vt = emit_transpose(ctx, src, perm);
  std::string n = emit(ctx, "Squeeze", {emit_dim(ctx, st, rank - 1), ctx.add_int64s({0}, "axes")}, "n");
  std::string pos = emit(ctx, "Range", {ctx.add_int64s({0}, "zero", true), n, ctx.add_int64s({1}, "one", true)}, "positions");
  std::string hit = emit(ctx, "Equal", {emit_unsqueeze(ctx, emit_cast(ctx, it, onnx::TensorProto_DataType_INT64), {-1}), pos}, "hit");
  std::string fill = constant_like(ctx, max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity(), self, "fill");
  std::string vals = emit(ctx, "Where", {hit, emit_unsqueeze(ctx, vt, {-1}), fill}, "candidates");
  std::string red = emit_reduce(ctx, max ? "ReduceMax" : "ReduceMin", vals, {-2}, false);
  std::string touched =
      emit_cast(ctx, emit_reduce(ctx, "ReduceMax", emit_cast(ctx, hit, onnx::TensorProto_DataType_INT32), {-2}, false), onnx::TensorProto_DataType_BOOL);
  std::string merged = include_self ? emit(ctx, max ? "Max" : "Min", {st, red}, "merged") : red;
  std::string y = emit(ctx, "Where", {touched, merged, st}, "scattered");
  ctx.bind(node->output(), emit_transpose(ctx, y, back));
}

// scatter_reduce(self, dim, index, src, reduce, include_self): sum / prod / amax / amin by
// ScatterElements' reduction (max/min from opset 18); without self, the scattered positions are
// first set to the reduction's identity; mean as sum / count.
void scatter_reduce(ExportContext& ctx, const Node* node, const Args& a) {
  std::string self = a.tensor(0), index = a.tensor(2);
  int64_t dim = normalize_dim(node, a.i(1), rank_or_fail(ctx, node, a.value(0)));
  int32_t t = type_or_float(ctx, self);
  std::string src = operand(ctx, a.value(3), t);
  const std::string& reduce = a.s(4);
  bool include_self = a.b(5);
  std::string reduction;
  double identity = 0;
  if (reduce == "sum" || reduce == "mean") reduction = "add";
  else if (reduce == "prod") reduction = "mul", identity = 1;
  else if (reduce == "amax") reduction = "max", identity = -std::numeric_limits<double>::infinity();
  else if (reduce == "amin") reduction = "min", identity = std::numeric_limits<double>::infinity();
  else unsupported(node, "reduce='" + reduce + "'");
  if ((reduction == "max" || reduction == "min") && ctx.opset() < 18) {
    return scatter_extreme_by_compare(ctx, node, self, index, src, dim, reduction == "max", include_self);
  }
  if (!is_floating(t) && (reduce == "mean" || std::isinf(identity))) unsupported(node, "reduce='" + reduce + "' on integers");
  std::string base = self;
  if (!include_self) {
    std::string fill = emit(ctx, "Expand", {constant_like(ctx, identity, self, "identity"), emit_shape(ctx, index)}, "identity");
    base = scatter_elements(ctx, self, index, fill, dim, "", ctx.fresh("cleared"));
  }
  if (reduce != "mean") {
    scatter_elements(ctx, base, index, src, dim, reduction, ctx.out(node->output(), "scatter_reduce"));
    return;
  }
  std::string sum = scatter_elements(ctx, base, index, src, dim, "add", ctx.fresh("sum"));
  std::string ones = emit(ctx, "Expand", {constant_like(ctx, 1, self, "one"), emit_shape(ctx, index)}, "ones");
  std::string start = emit(ctx, "Expand", {constant_like(ctx, include_self ? 1 : 0, self, "start"), emit_shape(ctx, self)}, "count0");
  std::string count = scatter_elements(ctx, start, index, ones, dim, "add", ctx.fresh("count"));
  std::string none = emit(ctx, "Equal", {count, constant_like(ctx, 0, self, "zero")}, "untouched");
  std::string safe = emit(ctx, "Where", {none, constant_like(ctx, 1, self, "one"), count}, "safe_count");
  ctx.add_node("Where", {none, self, emit(ctx, "Div", {sum, safe}, "mean")}, {ctx.out(node->output(), "scatter_reduce")});
}

// A 1-D index along `dim` expanded to the shape of `like` (for ScatterElements).
std::string index_along(ExportContext& ctx, const Node* node, const std::string& index, int64_t dim, int64_t rank,
                        const std::string& like) {
  std::vector<int64_t> view(static_cast<size_t>(rank), 1);
  view[static_cast<size_t>(dim)] = -1;
  (void)node;
  std::string r = emit(ctx, "Reshape", {index, ctx.add_int64s(view, "index_view")}, "index");
  return emit(ctx, "Expand", {r, emit_shape(ctx, like)}, "index");
}

// index_add(self, dim, index, source, alpha) → ScatterElements(add); repeated indices accumulate.
void index_add(ExportContext& ctx, const Node* node, const Args& a) {
  std::string self = a.tensor(0), source = a.tensor(3);
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = normalize_dim(node, a.i(1), rank);
  if (rank == 0) unsupported(node, "index_add on a 0-d tensor");
  if (a.f(4) != 1.0) source = emit(ctx, "Mul", {source, constant_like(ctx, a.f(4), source, "alpha")}, "scaled");
  std::string idx = index_along(ctx, node, a.tensor(2), dim, rank, source);
  scatter_elements(ctx, self, idx, source, dim, "add", ctx.out(node->output(), "index_add"));
}

// index_copy(self, dim, index, source) → ScatterElements
void index_copy(ExportContext& ctx, const Node* node, const Args& a) {
  std::string self = a.tensor(0), source = a.tensor(3);
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = normalize_dim(node, a.i(1), rank);
  std::string idx = index_along(ctx, node, a.tensor(2), dim, rank, source);
  scatter_elements(ctx, self, idx, source, dim, "", ctx.out(node->output(), "index_copy"));
}

// index_fill(self, dim, index, value): a mask along dim (position in index) → Where
void index_fill(ExportContext& ctx, const Node* node, const Args& a) {
  std::string self = a.tensor(0);
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = rank == 0 ? 0 : normalize_dim(node, a.i(1), rank);
  std::string n = emit(ctx, "Squeeze", {emit_dim(ctx, self, dim), ctx.add_int64s({0}, "axes")}, "n");
  std::string pos = emit(ctx, "Range", {ctx.add_int64s({0}, "zero", true), n, ctx.add_int64s({1}, "one", true)}, "positions");
  std::string idx = emit(ctx, "Reshape", {emit_cast(ctx, a.tensor(2), onnx::TensorProto_DataType_INT64), ctx.add_int64s({-1}, "flat")}, "index");
  // negative indices count from the end
  idx = emit(ctx, "Where", {emit(ctx, "Less", {idx, ctx.add_int64s({0}, "zero", true)}, "neg"), emit(ctx, "Add", {idx, n}, "wrapped"), idx}, "index");
  std::string hit = emit(ctx, "Equal", {emit_unsqueeze(ctx, pos, {1}), emit_unsqueeze(ctx, idx, {0})}, "hit");
  std::string mask = emit_cast(ctx, emit_reduce(ctx, "ReduceMax", emit_cast(ctx, hit, onnx::TensorProto_DataType_INT32), {1}, false),
                               onnx::TensorProto_DataType_BOOL);
  if (rank > 0) {
    std::vector<int64_t> view(static_cast<size_t>(rank), 1);
    view[static_cast<size_t>(dim)] = -1;
    mask = emit(ctx, "Reshape", {mask, ctx.add_int64s(view, "mask_view")}, "mask");
  } else {
    mask = emit(ctx, "Reshape", {mask, ctx.add_int64s({}, "scalar")}, "mask");
  }
  std::string value = operand(ctx, a.value(3), type_or_float(ctx, self));
  if (auto vr = ctx.rank_of(a.value(3)); vr && *vr > 0) value = emit(ctx, "Reshape", {value, ctx.add_int64s({}, "scalar")}, "value");
  ctx.add_node("Where", {mask, value, self}, {ctx.out(node->output(), "index_fill")});
}

// ONNX cannot see through the Expand to a run-time broadcast shape, so the index result's dims
// are stated where the index tensors have them statically: an R-CNN's batch index [1, 1] against
// top-k's [1, K] leaves the image dim 1, which the unbind after it needs.
void hint_index_shape(ExportContext& ctx, const std::string& out, const std::string& x,
                      const std::vector<std::string>& idx, const std::vector<size_t>& axes, bool b_first) {
  auto x_dims = ctx.shape_of(x);
  if (!x_dims) return;
  std::vector<std::vector<int64_t>> shapes;
  size_t b_rank = 0;
  for (const auto& i : idx) {
    auto s = ctx.shape_of(i);
    if (!s) return;
    b_rank = std::max(b_rank, s->size());
    shapes.push_back(*s);
  }
  std::vector<int64_t> b(b_rank, 1);
  for (size_t d = 0; d < b_rank; ++d) {
    bool all_one = true;
    for (const auto& s : shapes) {
      if (d + s.size() < b_rank) continue;  // right-aligned: a shorter shape has no dim here
      int64_t v = s[d + s.size() - b_rank];
      if (v > 1) b[d] = v;
      all_one = all_one && v == 1;
    }
    if (b[d] == 1 && !all_one) b[d] = -1;
  }
  std::vector<int64_t> rest;
  for (size_t d = 0; d < x_dims->size(); ++d)
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) rest.push_back((*x_dims)[d]);
  size_t at = b_first ? 0 : std::min(axes[0], rest.size());
  std::vector<int64_t> dims(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(at));
  dims.insert(dims.end(), b.begin(), b.end());
  dims.insert(dims.end(), rest.begin() + static_cast<std::ptrdiff_t>(at), rest.end());
  hint_known_dims(ctx, out, std::move(dims));
}

// index(x, [None, ..., idx, None...]): advanced indexing with one index tensor → Gather on that
// dim (`table[index.view(-1)]`); several index tensors → GatherND over their broadcast.
void index(ExportContext& ctx, const Node* node, const Args& a) {
  std::vector<const Value*> indices;
  if (auto elems = ctx.list_elements(a.value(1))) {
    indices = *elems;
  } else if (ctx.is_static(a.value(1))) {
    const c10::IValue list = ctx.constant(a.value(1));  // named: the loop reads into it
    for (const auto& iv : list.toListRef()) indices.push_back(ctx.mint_static(iv, c10::OptionalType::create(c10::TensorType::get())));
  } else {
    unsupported(node, "indices kiln does not track");
  }
  std::vector<size_t> axes;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (ctx.is_none(indices[i])) continue;
    auto t = ctx.is_static(indices[i]) ? ctx.const_tensor(indices[i]) : std::nullopt;
    auto vt = value_type(ctx, indices[i]);
    if ((t && (t->scalar_type() == at::kBool || t->scalar_type() == at::kByte)) ||
        (vt && (*vt == onnx::TensorProto_DataType_BOOL || *vt == onnx::TensorProto_DataType_UINT8))) {
      return convert_masked_index(ctx, node, a);  // x[mask]: a data-dependent shape (masking.cpp)
    }
    axes.push_back(i);
  }
  if (axes.empty()) return alias(ctx, node);
  if (axes.size() == 1) {
    auto& n = ctx.add_node("Gather", {a.tensor(0), ctx.in(indices[axes[0]])}, {ctx.out(node->output(), "index")});
    set_attr(n, "axis", static_cast<int64_t>(axes[0]));
    return;
  }
  // Several index tensors: GatherND over their broadcast B on the indexed dims moved to the front
  // (a Transpose unless they lead already). PyTorch puts B where the indexed dims were when they
  // are adjacent, first when they are not: a Transpose moves it back in the adjacent case.
  std::string x = a.tensor(0);
  bool leading = true, adjacent = true;
  for (size_t k = 0; k < axes.size(); ++k) {
    leading = leading && axes[k] == k;
    if (k > 0) adjacent = adjacent && axes[k] == axes[k - 1] + 1;
  }
  int64_t x_rank = 0, b_rank = 0;
  if (!leading) {
    x_rank = rank_or_fail(ctx, node, a.value(0));
    std::vector<int64_t> perm;
    for (size_t axis : axes) perm.push_back(static_cast<int64_t>(axis));
    for (int64_t d = 0; d < x_rank; ++d)
      if (std::find(axes.begin(), axes.end(), static_cast<size_t>(d)) == axes.end()) perm.push_back(d);
    auto& t = ctx.add_node("Transpose", {x}, {ctx.fresh("indexed_first")});
    set_attr(t, "perm", perm);
    x = t.output(0);
    for (size_t axis : axes) b_rank = std::max(b_rank, rank_or_fail(ctx, node, indices[axis]));
  }
  std::vector<std::string> idx;
  for (size_t axis : axes) idx.push_back(emit_cast(ctx, ctx.in(indices[axis]), onnx::TensorProto_DataType_INT64));
  std::string shape_acc = idx[0];
  for (size_t k = 1; k < idx.size(); ++k) shape_acc = emit(ctx, "Expand", {shape_acc, emit_shape(ctx, idx[k])}, "bcast");
  std::string shape = emit_shape(ctx, shape_acc);
  std::vector<std::string> parts;
  for (auto& i : idx) {
    // negative indices count from the end of their dim
    parts.push_back(emit_unsqueeze(ctx, emit(ctx, "Expand", {i, shape}, "index"), {-1}));
  }
  std::string dims = emit_shape(ctx, x);
  for (size_t k = 0; k < parts.size(); ++k) {
    std::string n = emit(ctx, "Gather", {dims, ctx.add_int64s({static_cast<int64_t>(k)}, "dim", true)}, "n");
    std::string p = parts[k];
    parts[k] = emit(ctx, "Where", {emit(ctx, "Less", {p, ctx.add_int64s({0}, "zero", true)}, "neg"), emit(ctx, "Add", {p, n}, "wrap"), p}, "index");
  }
  auto& c = ctx.add_node("Concat", parts, {ctx.fresh("nd_index")});
  set_attr(c, "axis", int64_t{-1});
  if (leading || !adjacent) {
    std::string out = ctx.out(node->output(), "index");
    ctx.add_node("GatherND", {x, c.output(0)}, {out});
    hint_index_shape(ctx, out, a.tensor(0), idx, axes, true);
    return;
  }
  // [B..., the other dims in order] → B back at the first indexed dim's place
  std::string gathered = emit(ctx, "GatherND", {x, c.output(0)}, "gathered");
  int64_t first = static_cast<int64_t>(axes[0]), rest = x_rank - static_cast<int64_t>(axes.size());
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < first; ++d) perm.push_back(b_rank + d);
  for (int64_t d = 0; d < b_rank; ++d) perm.push_back(d);
  for (int64_t d = first; d < rest; ++d) perm.push_back(b_rank + d);
  std::string out = ctx.out(node->output(), "index");
  auto& t = ctx.add_node("Transpose", {gathered}, {out});
  set_attr(t, "perm", perm);
  hint_index_shape(ctx, out, a.tensor(0), idx, axes, false);
}

// masked_fill(x, mask, value) → Where(mask, value, x)
void masked_fill(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  std::string value = operand(ctx, a.value(2), type_or_float(ctx, x));
  if (auto vr = ctx.rank_of(a.value(2)); vr && *vr > 0) value = emit(ctx, "Reshape", {value, ctx.add_int64s({}, "scalar")}, "value");
  ctx.add_node("Where", {emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_BOOL), value, x}, {ctx.out(node->output(), "masked_fill")});
}

// where(cond, a, b): operands in the promoted type
void where(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = value_type(ctx, node->output()).value_or(result_type(ctx, node, 3));  // (the operands: a saved trace lost its dtypes)
  std::string cond = emit_cast(ctx, a.tensor(0), onnx::TensorProto_DataType_BOOL);
  ctx.add_node("Where", {cond, operand(ctx, a.value(1), t), operand(ctx, a.value(2), t)}, {ctx.out(node->output(), "where")});
}

// floor_divide / remainder / fmod on tensors, in the output's dtype
void tensor_floor_divide(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = result_type(ctx, node);
  std::string x = operand(ctx, a.value(0), t), y = operand(ctx, a.value(1), t);
  ctx.bind(node->output(), floor_divide(ctx, x, y, static_cast<onnx::TensorProto_DataType>(t), ctx.fresh("floor_divide")));
}
void tensor_remainder(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = result_type(ctx, node);
  std::string x = operand(ctx, a.value(0), t), y = operand(ctx, a.value(1), t);
  ctx.bind(node->output(), floor_remainder(ctx, x, y, static_cast<onnx::TensorProto_DataType>(t), ctx.fresh("remainder")));
}

// tril / triu(x, diagonal) → Trilu (opset 14), or a mask from Range comparisons (13)
Converter trilu(bool upper) {
  return [upper](ExportContext& ctx, const Node* node, const Args& a) {
    auto& n = ctx.add_node("Trilu", {a.tensor(0), ctx.add_int64s({a.i(1)}, "k", true)}, {ctx.out(node->output(), upper ? "triu" : "tril")});
    set_attr(n, "upper", static_cast<int64_t>(upper));
  };
}
Converter trilu_13(bool upper) {
  return [upper](ExportContext& ctx, const Node* node, const Args& a) {
    std::string x = a.tensor(0);
    auto len = [&](int64_t d) {
      return emit(ctx, "Squeeze", {emit_dim(ctx, x, d), ctx.add_int64s({0}, "axes")}, "n");
    };
    auto range = [&](const std::string& n) {
      return emit(ctx, "Range", {ctx.add_int64s({0}, "zero", true), n, ctx.add_int64s({1}, "one", true)}, "positions");
    };
    int64_t rank = rank_or_fail(ctx, node, a.value(0));
    std::string rows = emit_unsqueeze(ctx, range(len(rank - 2)), {1});
    std::string cols = emit_unsqueeze(ctx, range(len(rank - 1)), {0});
    std::string shifted = emit(ctx, "Add", {rows, ctx.add_int64s({a.i(1)}, "k", true)}, "diag");
    std::string keep = emit(ctx, upper ? "GreaterOrEqual" : "LessOrEqual", {cols, shifted}, "keep");
    ctx.add_node("Where", {keep, x, constant_like(ctx, 0, x, "zero")}, {ctx.out(node->output(), upper ? "triu" : "tril")});
  };
}

// diagonal(x, offset, dim1, dim2): dim1 and dim2 moved last and flattened; a static Gather of
// the diagonal's flat positions; the result's last dim is the diagonal.
void diagonal(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t d1 = normalize_dim(node, a.i(2), rank), d2 = normalize_dim(node, a.i(3), rank), offset = a.i(1);
  if (d1 == d2) unsupported(node, "dim1 and dim2 must differ");
  int64_t n1 = static_dim(ctx, node, a.value(0), d1), n2 = static_dim(ctx, node, a.value(0), d2);
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i)
    if (i != d1 && i != d2) perm.push_back(i);
  perm.push_back(d1);
  perm.push_back(d2);
  std::string t = emit_transpose(ctx, a.tensor(0), perm);
  std::vector<int64_t> flat_shape(static_cast<size_t>(rank - 2), 0);
  flat_shape.push_back(n1 * n2);
  std::string flat = emit(ctx, "Reshape", {t, ctx.add_int64s(flat_shape, "flat")}, "flat");
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < n1; ++i) {
    int64_t j = i + offset;
    if (j >= 0 && j < n2) idx.push_back(i * n2 + j);
  }
  auto& g = ctx.add_node("Gather", {flat, ctx.add_int64s(idx, "diagonal")}, {ctx.out(node->output(), "diagonal")});
  set_attr(g, "axis", rank - 2);
}

// one_hot(x, num_classes) → OneHot (int64 output); num_classes −1 (from the data) is refused.
void one_hot(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t classes = a.i(1);
  if (classes < 0) unsupported(node, "num_classes=-1 (the count would come from the data; give it explicitly)");
  auto& n = ctx.add_node("OneHot", {a.tensor(0), ctx.add_int64s({classes}, "depth", true), ctx.add_int64s({0, 1}, "values")},
                         {ctx.out(node->output(), "one_hot")});
  set_attr(n, "axis", int64_t{-1});
}

// bucketize(x, boundaries, out_int32, right): the count of boundaries below x (or at/below it
// when right) — a comparison against every boundary and a ReduceSum.
void bucketize(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = operand(ctx, a.value(0), type_or_float(ctx, a.tensor(1)));
  std::string b = a.tensor(1);
  std::string xr = emit_unsqueeze(ctx, x, {-1});
  std::string cmp = emit(ctx, a.b(3) ? "LessOrEqual" : "Less", {b, xr}, "below");
  std::string count = emit_reduce(ctx, "ReduceSum", emit_cast(ctx, cmp, onnx::TensorProto_DataType_INT64), {-1}, false);
  ctx.bind(node->output(), a.b(2) ? emit_cast(ctx, count, onnx::TensorProto_DataType_INT32) : count);
}

// topk(x, k, dim, largest, sorted) → TopK (values, indices)
void topk(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  std::string k = a.int_is_static(1) ? ctx.add_int64s({a.i(1)}, "k") : emit_unsqueeze(ctx, a.dyn_int(1), {0});
  std::string x = a.tensor(0);
  int64_t axis = rank == 0 ? 0 : normalize_dim(node, a.i(2), rank);
  auto& n = ctx.add_node("TopK", {x, k}, {ctx.out(node->output(0), "topk_values"), ctx.out(node->output(1), "topk_indices")});
  set_attr(n, "axis", axis);
  set_attr(n, "largest", static_cast<int64_t>(a.b(3)));
  set_attr(n, "sorted", int64_t{1});
  // A k computed at run time leaves ONNX without the other dims; they are x's.
  if (auto dims = ctx.shape_of(x); dims && rank > 0) {
    (*dims)[static_cast<size_t>(axis)] = a.int_is_static(1) ? a.i(1) : -1;
    for (size_t i = 0; i < 2; ++i) hint_known_dims(ctx, n.output(static_cast<int>(i)), *dims);
  }
}

}  // namespace

void register_indexing_ops(OpRegistry& r) {
  r.add("aten::select.int|aten::select", "v i id", select, "Gather (0-d index)");
  r.add("aten::narrow", "v i id id", narrow, "Slice");
  r.add("aten::narrow.Tensor", "v i v id", narrow, "Slice");
  r.add("aten::slice.Tensor", "v i any any i", slice, "Slice (nothing for a full slice)");
  r.add("aten::index_select", "v i v", index_select, "Gather");
  r.add("aten::embedding", "v v i b b", embedding, "Gather");
  r.add("aten::index.Tensor|aten::index.Tensor_hacked_twin", "v any", index, "Gather (one index tensor) or GatherND");
  r.add("aten::gather", "v i v b", gather, "GatherElements");
  r.add("aten::take", "v v", take, "Reshape + Gather");
  r.add("aten::scatter.src|aten::scatter_.src", "v i v x", scatter(false, false), "ScatterElements");
  r.add("aten::scatter.value|aten::scatter_.value", "v i v x", scatter(true, false), "Expand + ScatterElements");
  r.add("aten::scatter.reduce|aten::scatter_.reduce", "v i v x s", scatter(false, true), "ScatterElements (add/mul)");
  r.add("aten::scatter.value_reduce|aten::scatter_.value_reduce", "v i v x s", scatter(true, true), "ScatterElements (add/mul)");
  r.add("aten::scatter_add|aten::scatter_add_", "v i v v", scatter_add, "ScatterElements (add)", {.since = 16});
  r.add("aten::scatter_reduce.two|aten::scatter_reduce_.two", "v i v v s b", scatter_reduce,
        "ScatterElements (add/mul; max/min from opset 18)", {.since = 16});
  r.add("aten::index_add|aten::index_add_", "v i v v f", index_add, "ScatterElements (add)", {.since = 16});
  r.add("aten::index_copy|aten::index_copy_", "v i v v", index_copy, "ScatterElements");
  r.add("aten::index_fill.int_Scalar|aten::index_fill.int_Tensor|aten::index_fill_.int_Scalar|aten::index_fill_.int_Tensor", "v i v x",
        index_fill, "Range/Equal mask + Where");
  r.add("aten::masked_fill.Scalar|aten::masked_fill.Tensor|aten::masked_fill_.Scalar|aten::masked_fill_.Tensor", "v v x", masked_fill,
        "Where");
  r.add("aten::where.self|aten::where.ScalarOther|aten::where.ScalarSelf|aten::where.Scalar", "v x x", where, "Where");
  r.add("aten::floor_divide|aten::floor_divide.Scalar|aten::floor_divide_.Tensor|aten::floor_divide_.Scalar", "x x",
        tensor_floor_divide, "Div(Sub(a, Mod(a, b)), b) for ints, Floor(Div) for floats");
  r.add("aten::remainder.Tensor|aten::remainder.Scalar|aten::remainder.Scalar_Tensor|aten::remainder_.Tensor|aten::remainder_.Scalar",
        "x x", tensor_remainder, "Mod (ints) or a − floor(a/b)·b");
  r.add("aten::tril|aten::tril_", "v i", trilu_13(false), "Range/LessOrEqual mask + Where");
  r.add("aten::tril|aten::tril_", "v i", trilu(false), "Trilu", {.since = 14});
  r.add("aten::triu|aten::triu_", "v i", trilu_13(true), "Range/GreaterOrEqual mask + Where");
  r.add("aten::triu|aten::triu_", "v i", trilu(true), "Trilu", {.since = 14});
  r.add("aten::diagonal", "v i i i", diagonal, "Transpose + Reshape + Gather (static positions)");
  r.add("aten::one_hot", "v i", one_hot, "OneHot");
  r.add("aten::bucketize.Tensor|aten::bucketize.Scalar", "x v b b", bucketize, "Less/LessOrEqual + ReduceSum");
  r.add("aten::topk", "v id i b b", topk, "TopK");
}

}  // namespace kiln
