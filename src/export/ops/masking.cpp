// Data-dependent shapes: nonzero / argwhere / where(cond) → NonZero; masked_select → Compress;
// boolean-mask indexing → GatherND over NonZero; masked_scatter → CumSum-indexed Gather + Where;
// index_put (boolean masks and integer index tensors, with accumulate) → ScatterND; unique →
// Unique. The output sizes are known only at run time, and the graph computes them.
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// [rank, N] positions of the non-zero elements, as NonZero gives them.
std::string nonzero_rows(ExportContext& ctx, const std::string& x) {
  return emit(ctx, "NonZero", {x}, "nonzero");
}

// nonzero(x) / argwhere(x) → [N, rank]
void nonzero(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.bind(node->output(), emit_transpose(ctx, nonzero_rows(ctx, a.tensor(0)), {1, 0}));
}

// nonzero_numpy(x) / where(cond) → a tuple of rank 1-D tensors, one per dim
void nonzero_tuple(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  std::string rows = nonzero_rows(ctx, a.tensor(0));
  std::vector<const Value*> elems;
  for (int64_t i = 0; i < rank; ++i) {
    auto& g = ctx.add_node("Gather", {rows, ctx.add_int64s({i}, "dim", true)}, {ctx.fresh("indices")});
    set_attr(g, "axis", int64_t{0});
    elems.push_back(ctx.mint(g.output(0)));
  }
  ctx.record_list(node->output(), std::move(elems));
}

// Both tensors expanded to their common (broadcast) shape.
std::pair<std::string, std::string> broadcast_pair(ExportContext& ctx, const std::string& x, const std::string& y) {
  std::string xb = emit(ctx, "Expand", {x, emit_shape(ctx, y)}, "bcast");
  std::string yb = emit(ctx, "Expand", {y, emit_shape(ctx, xb)}, "bcast");
  return {emit(ctx, "Expand", {xb, emit_shape(ctx, yb)}, "bcast"), yb};
}

// masked_select(x, mask) → the selected elements, flattened (Compress without an axis flattens)
void masked_select(ExportContext& ctx, const Node* node, const Args& a) {
  auto [x, m] = broadcast_pair(ctx, a.tensor(0), emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_BOOL));
  ctx.add_node("Compress", {x, m}, {ctx.out(node->output(), "masked_select")});
}

// masked_scatter(x, mask, source): the masked positions, in order, take source's elements in order.
void masked_scatter(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  std::string m = emit(ctx, "Expand", {emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_BOOL), emit_shape(ctx, x)}, "mask");
  std::string shape = emit_shape(ctx, x);
  std::string flat = ctx.add_int64s({-1}, "flat");
  std::string mf = emit(ctx, "Reshape", {m, flat}, "mask_flat");
  std::string xf = emit(ctx, "Reshape", {x, flat}, "x_flat");
  std::string sf = emit(ctx, "Reshape", {operand(ctx, a.value(2), type_or_float(ctx, x)), flat}, "source_flat");
  std::string pos = emit(ctx, "CumSum", {emit_cast(ctx, mf, onnx::TensorProto_DataType_INT64), ctx.add_int64s({0}, "axis", true)}, "rank");
  std::string idx = emit(ctx, "Max", {emit(ctx, "Sub", {pos, ctx.add_int64s({1}, "one", true)}, "index"), ctx.add_int64s({0}, "zero", true)},
                         "index");
  std::string taken = emit(ctx, "Gather", {sf, idx}, "taken");
  std::string y = emit(ctx, "Where", {mf, taken, xf}, "scattered");
  ctx.add_node("Reshape", {y, shape}, {ctx.out(node->output(), "masked_scatter")});
}

// The index tensors of x[i0, i1, ...] (None for a full slice), as values.
std::vector<const Value*> index_list(ExportContext& ctx, const Node* node, const Value* list) {
  if (auto elems = ctx.list_elements(list)) return *elems;
  if (ctx.is_static(list)) {
    std::vector<const Value*> out;
    const c10::IValue value = ctx.constant(list);  // named: the loop reads into it
    for (const auto& iv : value.toListRef()) out.push_back(ctx.mint_static(iv, c10::OptionalType::create(c10::TensorType::get())));
    return out;
  }
  unsupported(node, "indices kiln does not track");
}

bool is_mask(ExportContext& ctx, const Value* v) {
  auto t = value_type(ctx, v);
  return t && (*t == onnx::TensorProto_DataType_BOOL || *t == onnx::TensorProto_DataType_UINT8);
}

// x with the indexed dims moved first: returns the permutation (empty when none is needed).
std::vector<int64_t> indexed_first(const std::vector<size_t>& axes, int64_t rank) {
  std::vector<int64_t> perm;
  for (auto a : axes) perm.push_back(static_cast<int64_t>(a));
  for (int64_t i = 0; i < rank; ++i)
    if (std::find(axes.begin(), axes.end(), static_cast<size_t>(i)) == axes.end()) perm.push_back(i);
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity &= perm[i] == static_cast<int64_t>(i);
  return identity ? std::vector<int64_t>{} : perm;
}

std::vector<int64_t> inverse(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return inv;
}

// The ScatterND / GatherND index of x[i0, ..., ik] over x's leading dims: [.., k] int64, the index
// tensors broadcast together (a boolean mask: the positions it selects), negatives wrapped.
std::string nd_index(ExportContext& ctx, const Node* node, const std::string& x, const std::vector<const Value*>& idx) {
  if (idx.size() == 1 && is_mask(ctx, idx[0])) {
    std::string m = emit_cast(ctx, ctx.in(idx[0]), onnx::TensorProto_DataType_BOOL);
    return emit_transpose(ctx, nonzero_rows(ctx, m), {1, 0});
  }
  for (const Value* v : idx) {
    if (is_mask(ctx, v)) unsupported(node, "a boolean mask together with other indices");
  }
  std::vector<std::string> parts;
  for (const Value* v : idx) parts.push_back(emit_cast(ctx, ctx.in(v), onnx::TensorProto_DataType_INT64));
  std::string acc = parts[0];
  for (size_t k = 1; k < parts.size(); ++k) acc = emit(ctx, "Expand", {acc, emit_shape(ctx, parts[k])}, "bcast");
  std::string shape = emit_shape(ctx, acc);
  std::string dims = emit_shape(ctx, x);
  for (size_t k = 0; k < parts.size(); ++k) {
    std::string p = emit(ctx, "Expand", {parts[k], shape}, "index");
    std::string n = emit(ctx, "Gather", {dims, ctx.add_int64s({static_cast<int64_t>(k)}, "dim", true)}, "n");
    p = emit(ctx, "Where", {emit(ctx, "Less", {p, ctx.add_int64s({0}, "zero", true)}, "neg"), emit(ctx, "Add", {p, n}, "wrap"), p}, "index");
    parts[k] = emit_unsqueeze(ctx, p, {-1});
  }
  if (parts.size() == 1) return parts[0];
  auto& c = ctx.add_node("Concat", parts, {ctx.fresh("nd_index")});
  set_attr(c, "axis", int64_t{-1});
  return c.output(0);
}

// The non-None entries of an index list and their dims; requires them adjacent.
std::vector<size_t> indexed_axes(ExportContext& ctx, const Node* node, const std::vector<const Value*>& idx, int64_t rank) {
  std::vector<size_t> axes;
  for (size_t i = 0; i < idx.size(); ++i) {
    if (ctx.is_none(idx[i])) continue;
    if (is_mask(ctx, idx[i])) {  // a mask covers as many dims as it has
      auto r = ctx.rank_of(idx[i]);
      if (!r) unsupported(node, "a boolean mask of unknown rank");
      for (int64_t k = 0; k < *r; ++k) axes.push_back(i + static_cast<size_t>(k));
      continue;
    }
    axes.push_back(i);
  }
  for (size_t k = 1; k < axes.size(); ++k)
    if (axes[k] != axes[k - 1] + 1) unsupported(node, "index tensors separated by a full slice");
  if (!axes.empty() && static_cast<int64_t>(axes.back()) >= rank) unsupported(node, "more indices than dims");
  return axes;
}

// index(x, indices) with a boolean mask (x[mask], x[:, mask]) → GatherND over NonZero
void index_with_mask(ExportContext& ctx, const Node* node, const Args& a) {
  auto idx = index_list(ctx, node, a.value(1));
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  auto axes = indexed_axes(ctx, node, idx, rank);
  std::vector<const Value*> present;
  for (const Value* v : idx)
    if (!ctx.is_none(v)) present.push_back(v);
  std::string x = a.tensor(0);
  auto perm = indexed_first(axes, rank);
  if (!perm.empty()) x = emit_transpose(ctx, x, perm);
  std::string gathered = emit(ctx, "GatherND", {x, nd_index(ctx, node, x, present)}, "gathered");
  // PyTorch puts the selected positions where the first indexed dim was (when adjacent).
  if (!perm.empty() && axes[0] > 0) {
    int64_t out_rank = rank - static_cast<int64_t>(axes.size()) + 1;
    std::vector<int64_t> back;
    for (int64_t i = 1; i <= static_cast<int64_t>(axes[0]); ++i) back.push_back(i);
    back.push_back(0);
    for (int64_t i = static_cast<int64_t>(axes[0]) + 1; i < out_rank; ++i) back.push_back(i);
    gathered = emit_transpose(ctx, gathered, back);
  }
  ctx.bind(node->output(), gathered);
}

// index_put(self, indices, values, accumulate) → ScatterND (reduction add when accumulating)
void index_put(ExportContext& ctx, const Node* node, const Args& a) {
  auto idx = index_list(ctx, node, a.value(1));
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  auto axes = indexed_axes(ctx, node, idx, rank);
  if (axes.empty()) unsupported(node, "index_put without an index tensor");
  std::vector<const Value*> present;
  for (const Value* v : idx)
    if (!ctx.is_none(v)) present.push_back(v);
  std::string self = a.tensor(0);
  auto perm = indexed_first(axes, rank);
  std::string x = perm.empty() ? self : emit_transpose(ctx, self, perm);
  std::string index = nd_index(ctx, node, x, present);
  // values broadcast to index.shape[:-1] + x.shape[k:]
  std::string ishape = emit_shape(ctx, index);
  std::string lead = emit(ctx, "Slice", {ishape, ctx.add_int64s({0}, "starts"), ctx.add_int64s({-1}, "ends")}, "lead");
  std::string k = emit(ctx, "Slice", {ishape, ctx.add_int64s({-1}, "starts"), ctx.add_int64s({INT64_MAX}, "ends")}, "k");
  std::string tail = emit(ctx, "Slice", {emit_shape(ctx, x), k, ctx.add_int64s({INT64_MAX}, "ends")}, "tail");
  auto& c = ctx.add_node("Concat", {lead, tail}, {ctx.fresh("update_shape")});
  set_attr(c, "axis", int64_t{0});
  std::string values = operand(ctx, a.value(2), type_or_float(ctx, self));
  if (!perm.empty() && ctx.rank_of(a.value(2)).value_or(0) == rank) values = emit_transpose(ctx, values, perm);
  std::string updates = emit(ctx, "Expand", {values, c.output(0)}, "updates");
  bool accumulate = a.b(3);
  if (accumulate && ctx.opset() < 16) unsupported(node, "accumulate=True needs opset 16 (ScatterND's reduction)");
  std::string y = perm.empty() ? ctx.out(node->output(), "index_put") : ctx.fresh("index_put");
  auto& s = ctx.add_node("ScatterND", {x, index, updates}, {y});
  if (accumulate) set_attr(s, "reduction", std::string("add"));
  if (!perm.empty()) ctx.bind(node->output(), emit_transpose(ctx, y, inverse(perm)));
}

// unique(x, sorted, return_inverse[, return_counts]) over the flattened tensor → Unique (sorted);
// the inverse takes x's shape. unique_dim(x, dim, sorted, return_inverse, return_counts) → Unique
// along an axis.
void unique_impl(ExportContext& ctx, const Node* node, const std::string& x, std::optional<int64_t> axis, bool inverse_wanted,
                 bool counts_wanted) {
  std::string inv = ctx.fresh("inverse"), cnt = ctx.fresh("counts");
  auto& n = ctx.add_node("Unique", {x}, {ctx.out(node->output(0), "unique"), ctx.fresh("first_index"), inv, cnt});
  set_attr(n, "sorted", int64_t{1});
  if (axis) set_attr(n, "axis", *axis);
  // LibTorch returns an empty int64 tensor for an output that was not asked for.
  auto empty = [&] {
    auto& e = ctx.add_node("ConstantOfShape", {ctx.add_int64s({0}, "empty")}, {ctx.fresh("empty")});
    auto* v = e.add_attribute();
    v->set_name("value");
    v->set_type(onnx::AttributeProto::TENSOR);
    v->mutable_t()->set_data_type(onnx::TensorProto_DataType_INT64);
    v->mutable_t()->add_dims(1);
    int64_t zero = 0;
    v->mutable_t()->set_raw_data(std::string(reinterpret_cast<const char*>(&zero), 8));
    return e.output(0);
  };
  if (!axis) inv = emit_reshape_like(ctx, inv, x, "inverse");
  ctx.bind(node->output(1), inverse_wanted ? inv : empty());
  if (node->outputs().size() > 2) ctx.bind(node->output(2), counts_wanted ? cnt : empty());
}
void unique2(ExportContext& ctx, const Node* node, const Args& a) { unique_impl(ctx, node, a.tensor(0), std::nullopt, a.b(2), a.b(3)); }
void unique1(ExportContext& ctx, const Node* node, const Args& a) { unique_impl(ctx, node, a.tensor(0), std::nullopt, a.b(2), false); }
void unique_dim(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  unique_impl(ctx, node, a.tensor(0), normalize_dim(node, a.i(1), rank), a.b(3), a.b(4));
}

}  // namespace

void register_masking_ops(OpRegistry& r) {
  r.add("aten::nonzero|aten::argwhere", "v", nonzero, "NonZero + Transpose");
  r.add("aten::nonzero_numpy|aten::where", "v", nonzero_tuple, "NonZero + Gather per dim");
  r.add("aten::masked_select", "v v", masked_select, "Expand + Compress");
  r.add("aten::masked_scatter|aten::masked_scatter_", "v v x", masked_scatter, "CumSum-indexed Gather + Where");
  r.add("aten::index_put|aten::index_put_|aten::index_put.hacked_twin|aten::index_put_.hacked_twin|aten::_index_put_impl_",
        "v any x b ...", index_put, "ScatterND (NonZero for a mask; reduction add when accumulating)");
  r.add("aten::_unique2", "v b b b", unique2, "Unique (sorted) + Reshape of the inverse");
  r.add("aten::_unique", "v b b", unique1, "Unique (sorted) + Reshape of the inverse");
  r.add("aten::unique_dim", "v i b b b", unique_dim, "Unique along an axis");
}

// x[mask] (aten::index with a boolean index): called by the index converter.
void convert_masked_index(ExportContext& ctx, const Node* node, const Args& a) { index_with_mask(ctx, node, a); }

}  // namespace kiln
