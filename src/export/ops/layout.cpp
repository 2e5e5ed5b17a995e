// Moving and combining tensors: permute / transpose / movedim / flip / roll, cat and stack,
// split / chunk / unbind / tensor_split (lists of tensors), expand and broadcast, repeat / tile /
// repeat_interleave, unfold and as_strided (static gathers).
#include <algorithm>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(i);
  return v;
}

void transpose_to(ExportContext& ctx, const Node* node, const std::string& x, const std::vector<int64_t>& perm) {
  if (perm == iota(static_cast<int64_t>(perm.size()))) return ctx.bind(node->output(), x);
  auto& n = ctx.add_node("Transpose", {x}, {ctx.out(node->output(), "transpose")});
  set_attr(n, "perm", perm);
}

void permute(ExportContext& ctx, const Node* node, const Args& a) {
  auto dims = a.ints(1);
  auto rank = static_cast<int64_t>(dims.size());
  for (auto& d : dims) d = normalize_dim(node, d, rank);
  transpose_to(ctx, node, a.tensor(0), dims);
}

void transpose(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  if (rank == 0) return alias(ctx, node);
  auto perm = iota(rank);
  std::swap(perm[static_cast<size_t>(normalize_dim(node, a.i(1), rank))], perm[static_cast<size_t>(normalize_dim(node, a.i(2), rank))]);
  transpose_to(ctx, node, a.tensor(0), perm);
}

// t(x): a matrix transposed; 0-d and 1-d tensors as they are.
void transpose_2d(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  if (rank < 2) return alias(ctx, node);
  if (rank > 2) unsupported(node, "t() of a tensor with more than 2 dims");
  transpose_to(ctx, node, a.tensor(0), {1, 0});
}

// numpy_T / .T: every dim reversed.
void numpy_t(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  std::vector<int64_t> perm;
  for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  transpose_to(ctx, node, a.tensor(0), perm);
}

// mT / mH / adjoint: the last two dims swapped (the conjugate of a real tensor is itself)
void matrix_t(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  if (rank < 2) unsupported(node, "a tensor of fewer than 2 dims");
  auto perm = iota(rank);
  std::swap(perm[static_cast<size_t>(rank - 1)], perm[static_cast<size_t>(rank - 2)]);
  transpose_to(ctx, node, a.tensor(0), perm);
}

// movedim(x, source, destination): the named dims go to their places, the others keep order.
void movedim_impl(ExportContext& ctx, const Node* node, const std::string& x, std::vector<int64_t> src,
                  std::vector<int64_t> dst) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  if (src.size() != dst.size()) unsupported(node, "source and destination of different lengths");
  std::vector<int64_t> perm(static_cast<size_t>(rank), -1);
  std::vector<bool> used(static_cast<size_t>(rank), false);
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = normalize_dim(node, src[i], rank);
    dst[i] = normalize_dim(node, dst[i], rank);
    perm[static_cast<size_t>(dst[i])] = src[i];
    used[static_cast<size_t>(src[i])] = true;
  }
  int64_t next = 0;
  for (auto& p : perm) {
    if (p >= 0) continue;
    while (used[static_cast<size_t>(next)]) ++next;
    p = next++;
  }
  transpose_to(ctx, node, x, perm);
}
void movedim(ExportContext& ctx, const Node* node, const Args& a) { movedim_impl(ctx, node, a.tensor(0), {a.i(1)}, {a.i(2)}); }
void movedim_list(ExportContext& ctx, const Node* node, const Args& a) {
  movedim_impl(ctx, node, a.tensor(0), a.ints(1), a.ints(2));
}

// flip(x, dims): a Slice with step −1 on each dim.
void flip(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  std::vector<int64_t> axes;
  for (auto d : a.ints(1)) axes.push_back(normalize_dim(node, d, rank));
  if (axes.empty()) return alias(ctx, node);
  std::vector<int64_t> starts(axes.size(), -1), ends(axes.size(), INT64_MIN), steps(axes.size(), -1);
  ctx.add_node("Slice",
               {a.tensor(0), ctx.add_int64s(starts, "starts"), ctx.add_int64s(ends, "ends"), ctx.add_int64s(axes, "axes"),
                ctx.add_int64s(steps, "steps")},
               {ctx.out(node->output(), "flip")});
}

// roll(x, shifts, dims): per dim, the last `shift` elements move to the front — two Slices and a
// Concat (the dim's size must be static); without dims, over the flattened tensor.
void roll(ExportContext& ctx, const Node* node, const Args& a) {
  auto shifts = a.ints(1);
  auto dims = a.ints(2);
  std::string x = a.tensor(0);
  bool flat = dims.empty();
  std::string shape;
  if (flat) {
    if (shifts.size() != 1) unsupported(node, "roll without dims takes one shift");
    shape = emit_shape(ctx, x);
    x = emit(ctx, "Reshape", {x, ctx.add_int64s({-1}, "flat")}, "flat");
    dims = {0};
  }
  if (dims.size() != shifts.size()) unsupported(node, "shifts and dims of different lengths");
  int64_t rank = flat ? 1 : rank_or_fail(ctx, node, a.value(0));
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = normalize_dim(node, dims[i], rank);
    int64_t n;
    if (flat) {
      auto all = ctx.dims_of(a.value(0));
      n = 1;
      if (all)
        for (auto s : *all) {
          if (s < 0) unsupported(node, "roll over a flattened tensor of run-time size");
          n *= s;
        }
    } else {
      n = static_dim(ctx, node, a.value(0), d);
    }
    if (n == 0) continue;
    int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    std::string tail = emit(ctx, "Slice", {x, ctx.add_int64s({n - s}, "starts"), ctx.add_int64s({n}, "ends"), ctx.add_int64s({d}, "axes")},
                            "roll_tail");
    std::string head = emit(ctx, "Slice", {x, ctx.add_int64s({0}, "starts"), ctx.add_int64s({n - s}, "ends"), ctx.add_int64s({d}, "axes")},
                            "roll_head");
    auto& c = ctx.add_node("Concat", {tail, head}, {ctx.fresh("roll")});
    set_attr(c, "axis", d);
    x = c.output(0);
  }
  if (flat) x = emit(ctx, "Reshape", {x, shape}, "unflat");
  ctx.bind(node->output(), x);
}

// The dtype of cat / stack of `elems`: the output's recorded one, else (a saved trace's graph
// has lost its dtype annotations) the elements' promoted type.
int32_t joined_type(ExportContext& ctx, const Node* node, const std::vector<const Value*>& elems) {
  return value_type(ctx, node->output()).value_or(promoted_type(ctx, elems).value_or(onnx::TensorProto_DataType_FLOAT));
}

// cat(tensors, dim): operands in the promoted type; LibTorch's legacy rule skips 1-D empty tensors.
void cat(ExportContext& ctx, const Node* node, const Args& a) {
  if (auto type = ctx.sequence_of(a.value(0))) {  // a list built in an ONNX Loop
    std::string seq = ctx.in(a.value(0)), out = ctx.out(node->output(), "concat");
    auto& n = ctx.add_node("ConcatFromSequence", {seq}, {out});
    set_attr(n, "axis", a.i(1));
    if (auto rank = ctx.sequence_rank(seq)) hint_rank(ctx, out, *rank, type);
    return;
  }
  auto elems = a.tensors(0);
  int32_t type = joined_type(ctx, node, elems);
  std::vector<std::string> parts;
  std::optional<int64_t> rank;
  for (const Value* e : elems) {
    auto dims = ctx.dims_of(e);
    if (dims && dims->size() == 1 && (*dims)[0] == 0 && elems.size() > 1) continue;
    if (dims && !rank) rank = static_cast<int64_t>(dims->size());
    parts.push_back(operand(ctx, e, type));
  }
  if (parts.empty()) unsupported(node, "cat of nothing but empty tensors");
  int64_t dim = a.i(1);
  if (dim < 0 && rank) dim += *rank;
  if (parts.size() == 1) return ctx.bind(node->output(), parts[0]);
  auto& n = ctx.add_node("Concat", parts, {ctx.out(node->output(), "concat")});
  set_attr(n, "axis", dim);
}

// stack(tensors, dim): each unsqueezed at dim (counted in rank + 1), then concatenated.
void stack(ExportContext& ctx, const Node* node, const Args& a) {
  if (auto type = ctx.sequence_of(a.value(0))) {  // a list built in an ONNX Loop
    std::string seq = ctx.in(a.value(0)), out = ctx.out(node->output(), "stack");
    auto& n = ctx.add_node("ConcatFromSequence", {seq}, {out});
    set_attr(n, "axis", a.i(1));
    set_attr(n, "new_axis", int64_t{1});
    if (auto rank = ctx.sequence_rank(seq)) hint_rank(ctx, out, *rank + 1, type);
    return;
  }
  auto elems = a.tensors(0);
  if (elems.empty()) unsupported(node, "stack of an empty list");
  int64_t rank = rank_or_fail(ctx, node, elems[0]);
  int64_t dim = a.i(1) < 0 ? a.i(1) + rank + 1 : a.i(1);
  int32_t type = joined_type(ctx, node, elems);
  std::vector<std::string> parts;
  for (const Value* e : elems) parts.push_back(emit_unsqueeze(ctx, operand(ctx, e, type), {dim}));
  if (parts.size() == 1) return ctx.bind(node->output(), parts[0]);
  auto& n = ctx.add_node("Concat", parts, {ctx.out(node->output(), "stack")});
  set_attr(n, "axis", dim);
}

// hstack: 1-D tensors along dim 0, others along dim 1. vstack: atleast_2d, then dim 0.
Converter hv_stack(bool vertical) {
  return [vertical](ExportContext& ctx, const Node* node, const Args& a) {
    auto elems = a.tensors(0);
    if (elems.empty()) unsupported(node, "stacking an empty list");
    int32_t type = joined_type(ctx, node, elems);
    std::vector<std::string> parts;
    int64_t axis = vertical ? 0 : 1;
    for (const Value* e : elems) {
      int64_t rank = rank_or_fail(ctx, node, e);
      std::string x = operand(ctx, e, type);
      if (vertical) {
        if (rank == 0) x = emit_unsqueeze(ctx, x, {0, 1});
        else if (rank == 1) x = emit_unsqueeze(ctx, x, {0});
      } else {
        if (rank == 0) x = emit_unsqueeze(ctx, x, {0});
        if (rank <= 1) axis = 0;
      }
      parts.push_back(x);
    }
    auto& n = ctx.add_node("Concat", parts, {ctx.out(node->output(), vertical ? "vstack" : "hstack")});
    set_attr(n, "axis", axis);
  };
}

// The list an op makes: Split's `count` outputs as placeholder values; `sizes` a 1-D int64 value
// (constant, or computed at run time).
void split_into_parts(ExportContext& ctx, const Node* node, const std::string& x, const std::string& sizes, size_t count,
                      int64_t dim, bool squeeze) {
  std::vector<std::string> outs;
  for (size_t i = 0; i < count; ++i) outs.push_back(ctx.fresh("split"));
  auto& n = ctx.add_node("Split", {x, sizes}, outs);
  set_attr(n, "axis", dim);
  // Sizes computed at run time leave ONNX without even the other dims: they are x's.
  if (auto dims = ctx.shape_of(x)) {
    (*dims)[static_cast<size_t>(dim)] = -1;
    for (auto& o : outs) hint_known_dims(ctx, o, *dims);
  }
  std::vector<const Value*> elems;
  for (auto& o : outs) {
    if (squeeze) o = emit_squeeze(ctx, o, {dim});
    elems.push_back(ctx.mint(o));
  }
  ctx.record_list(node->output(), std::move(elems));
}
void split_into(ExportContext& ctx, const Node* node, const std::string& x, const std::vector<int64_t>& sizes, int64_t dim,
                bool squeeze) {
  split_into_parts(ctx, node, x, ctx.add_int64s(sizes, "split"), sizes.size(), dim, squeeze);
}

// split(x, split_size, dim) / split(x, sizes, dim) / split_with_sizes(x, sizes, dim)
void split(ExportContext& ctx, const Node* node, const Args& a) {
  // (a dim ≥ 0 needs no rank: an If whose branches differ in rank leaves it unknown, as an
  // R-CNN's box decoder does)
  int64_t dim = a.i(2) >= 0 ? a.i(2) : normalize_dim(node, a.i(2), rank_or_fail(ctx, node, a.value(0)));
  if (!a.is_static(1)) {
    // Sizes computed at run time (a detector's boxes per image): as many parts as the list has
    // elements, each size packed into Split's input.
    // (elements as tracked: a list built by appends has them, its ListConstruct none)
    const Value* list = a.value(1);
    auto elems = ctx.list_elements(list);
    if (!elems) unsupported(node, "split sizes computed at run time (a list of unknown length, or one size for an unknown count)");
    return split_into_parts(ctx, node, a.tensor(0), pack_int_elements(ctx, *elems), elems->size(), dim, false);
  }
  auto iv = ctx.constant(a.value(1));
  std::vector<int64_t> sizes;
  if (iv.isIntList()) {
    sizes = iv.toIntVector();
  } else {
    int64_t total = static_dim(ctx, node, a.value(0), dim), step = iv.toInt();
    if (step <= 0) unsupported(node, "a split size that is not positive");
    for (int64_t at = 0; at < total; at += step) sizes.push_back(std::min(step, total - at));
    if (sizes.empty()) sizes.push_back(0);
  }
  split_into(ctx, node, a.tensor(0), sizes, dim, false);
}

void chunk(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = normalize_dim(node, a.i(2), rank);
  int64_t total = static_dim(ctx, node, a.value(0), dim), chunks = a.i(1);
  if (chunks <= 0) unsupported(node, "a chunk count that is not positive");
  int64_t step = (total + chunks - 1) / chunks;
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < total; at += step) sizes.push_back(std::min(step, total - at));
  if (sizes.empty()) sizes.push_back(0);
  split_into(ctx, node, a.tensor(0), sizes, dim, false);
}

void unbind(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = normalize_dim(node, a.i(1), rank);
  int64_t total = static_dim(ctx, node, a.value(0), dim);
  split_into(ctx, node, a.tensor(0), std::vector<int64_t>(static_cast<size_t>(total), 1), dim, true);
}

// tensor_split(x, sections, dim): the first (n mod sections) parts are one larger;
// tensor_split(x, indices, dim): cut at the indices (clamped to the dim).
void tensor_split_sections(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = normalize_dim(node, a.i(2), rank);
  int64_t k = a.i(1);
  if (k <= 0) unsupported(node, "sections must be positive");
  auto dims = ctx.dims_of(a.value(0));
  if (!dims || (*dims)[static_cast<size_t>(dim)] < 0) {
    // A dynamic dim n: part i has (n + k - 1 - i) / k elements (the first n mod k one larger).
    std::vector<int64_t> offsets;
    for (int64_t i = 0; i < k; ++i) offsets.push_back(k - 1 - i);
    std::string x = a.tensor(0);
    std::string sizes = emit(ctx, "Div", {emit(ctx, "Add", {emit_dim(ctx, x, dim), ctx.add_int64s(offsets, "offsets")}, "sum"),
                                          ctx.add_int64s({k}, "sections")},
                             "split_sizes");
    return split_into_parts(ctx, node, x, sizes, static_cast<size_t>(k), dim, false);
  }
  int64_t n = (*dims)[static_cast<size_t>(dim)];
  std::vector<int64_t> sizes;
  for (int64_t i = 0; i < k; ++i) sizes.push_back(n / k + (i < n % k ? 1 : 0));
  split_into(ctx, node, a.tensor(0), sizes, dim, false);
}
void tensor_split_indices(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = normalize_dim(node, a.i(2), rank);
  auto dims = ctx.dims_of(a.value(0));
  const auto& idx = a.ints(1);
  const bool ascending = std::is_sorted(idx.begin(), idx.end()) && (idx.empty() || idx.front() >= 0);
  if ((!dims || (*dims)[static_cast<size_t>(dim)] < 0) && ascending) {
    // A dynamic dim n and ascending cuts ≥ 0: cut_i = min(idx_i, n), sizes = [cuts, n] − [0, cuts].
    std::string x = a.tensor(0), n = emit_dim(ctx, x, dim);
    std::string cuts = emit(ctx, "Min", {ctx.add_int64s(idx, "cuts"), n}, "cuts");
    auto& ends = ctx.add_node("Concat", {cuts, n}, {ctx.fresh("ends")});
    set_attr(ends, "axis", int64_t{0});
    auto& starts = ctx.add_node("Concat", {ctx.add_int64s({0}, "zero"), cuts}, {ctx.fresh("starts")});
    set_attr(starts, "axis", int64_t{0});
    std::string sizes = emit(ctx, "Sub", {ends.output(0), starts.output(0)}, "split_sizes");
    return split_into_parts(ctx, node, x, sizes, idx.size() + 1, dim, false);
  }
  int64_t n = static_dim(ctx, node, a.value(0), dim);
  std::vector<int64_t> sizes;
  int64_t prev = 0;
  for (auto at_index : a.ints(1)) {
    int64_t cut = std::clamp<int64_t>(at_index < 0 ? at_index + n : at_index, prev, n);
    sizes.push_back(cut - prev);
    prev = cut;
  }
  sizes.push_back(n - prev);
  split_into(ctx, node, a.tensor(0), sizes, dim, false);
}

// tensor_split(x, tensor, dim): a constant 0-d tensor is a section count, a 1-D one indices.
void tensor_split_tensor(ExportContext& ctx, const Node* node, const Args& a) {
  auto t = ctx.const_tensor(a.value(1));
  if (!t) unsupported(node, "split points computed at run time");
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = normalize_dim(node, a.i(2), rank);
  int64_t n = static_dim(ctx, node, a.value(0), dim);
  std::vector<int64_t> sizes;
  if (t->dim() == 0) {
    int64_t k = t->item<int64_t>();
    if (k <= 0) unsupported(node, "sections must be positive");
    for (int64_t i = 0; i < k; ++i) sizes.push_back(n / k + (i < n % k ? 1 : 0));
  } else {
    int64_t prev = 0;
    auto idx = t->to(at::kLong).contiguous();
    for (int64_t i = 0; i < idx.numel(); ++i) {
      int64_t v = idx.data_ptr<int64_t>()[i];
      int64_t cut = std::clamp<int64_t>(v < 0 ? v + n : v, prev, n);
      sizes.push_back(cut - prev);
      prev = cut;
    }
    sizes.push_back(n - prev);
  }
  split_into(ctx, node, a.tensor(0), sizes, dim, false);
}

// expand(x, sizes): -1 keeps a dim; ONNX Expand broadcasts, so -1 becomes 1.
void expand(ExportContext& ctx, const Node* node, const Args& a) {
  std::string shape;
  if (a.is_static(1)) {
    auto sizes = a.ints(1);
    for (auto& s : sizes) s = s < 0 ? 1 : s;
    shape = ctx.add_int64s(sizes, "expand_shape");
  } else {
    auto elems = ctx.list_elements(a.value(1));
    if (!elems) unsupported(node, "expand to sizes kiln does not track");
    for (auto& e : *elems) {
      if (ctx.is_static(e) && ctx.const_int(e) < 0) e = ctx.mint_static(c10::IValue(int64_t{1}), c10::IntType::get());
    }
    shape = pack_int_elements(ctx, *elems);
  }
  ctx.add_node("Expand", {a.tensor(0), shape}, {ctx.out(node->output(), "expand")});
}

void expand_as(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.add_node("Expand", {a.tensor(0), emit_shape(ctx, a.tensor(1))}, {ctx.out(node->output(), "expand")});
}

// broadcast_tensors(tensors): the common shape is that of the first tensor expanded by every
// other's shape (Expand broadcasts both ways); each tensor is expanded to it.
void broadcast_tensors(ExportContext& ctx, const Node* node, const Args& a) {
  auto names = a.tensor_names(0);
  if (names.empty()) unsupported(node, "broadcast of an empty list");
  std::string acc = names[0];
  for (size_t i = 1; i < names.size(); ++i) acc = emit(ctx, "Expand", {acc, emit_shape(ctx, names[i])}, "broadcast");
  std::string shape = emit_shape(ctx, acc);
  std::vector<const Value*> outs;
  for (const auto& n : names) outs.push_back(ctx.mint(emit(ctx, "Expand", {n, shape}, "broadcast")));
  ctx.record_list(node->output(), std::move(outs));
}

// repeat(x, repeats) → Tile (leading repeats beyond x's rank add dims first). tile(x, dims):
// fewer dims than x's rank repeat the trailing ones.
// Tile x by `reps`, a 1-D int64 value of `count` entries (constant or computed at run time); more
// entries than dims add leading dims first.
void tile_to(ExportContext& ctx, const Node* node, std::string x, int64_t rank, const std::string& reps, int64_t count) {
  if (count > rank) x = emit_unsqueeze(ctx, x, iota(count - rank));
  ctx.add_node("Tile", {x, reps}, {ctx.out(node->output(), "tile")});
}
void tile_impl(ExportContext& ctx, const Node* node, std::string x, std::vector<int64_t> reps, bool is_tile) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  if (!is_tile && static_cast<int64_t>(reps.size()) < rank) unsupported(node, "fewer repeats than dims");
  if (is_tile && static_cast<int64_t>(reps.size()) < rank) reps.insert(reps.begin(), static_cast<size_t>(rank) - reps.size(), 1);
  tile_to(ctx, node, std::move(x), rank, ctx.add_int64s(reps, "repeats"), static_cast<int64_t>(reps.size()));
}
// repeat(x, repeats): Tile; repeats computed at run time (x.repeat(1, n, 1) with n from a size)
// are packed into the Tile's repeats, their count known from the list.
void repeat(ExportContext& ctx, const Node* node, const Args& a) {
  if (a.is_static(1)) return tile_impl(ctx, node, a.tensor(0), a.ints(1), false);
  const Value* list = a.value(1);
  if (list->node()->kind() != c10::prim::ListConstruct) unsupported(node, "repeats computed at run time as a list of unknown length");
  const auto n = static_cast<int64_t>(list->node()->inputs().size());
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  if (n < rank) unsupported(node, "fewer repeats than dims");
  tile_to(ctx, node, a.tensor(0), rank, a.packed_ints(1), n);
}
void tile(ExportContext& ctx, const Node* node, const Args& a) { tile_impl(ctx, node, a.tensor(0), a.ints(1), true); }

// repeat_interleave(x, repeats: int, dim?): each element `repeats` times along dim —
// Unsqueeze(dim + 1), Tile, then the two dims merged (dim None: over the flattened tensor).
void repeat_interleave_int(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  auto dim_arg = a.opt_i(2);
  if (!dim_arg) {
    x = emit(ctx, "Reshape", {x, ctx.add_int64s({-1}, "flat")}, "flat");
    rank = 1;
  }
  int64_t dim = dim_arg ? normalize_dim(node, *dim_arg, rank) : 0;
  if (rank == 0) {
    x = emit(ctx, "Reshape", {x, ctx.add_int64s({1}, "one")}, "flat");
    rank = 1;
  }
  std::string shape = emit_shape(ctx, x);
  std::string u = emit_unsqueeze(ctx, x, {dim + 1});
  std::string rep_count = a.int_is_static(1) ? ctx.add_int64s({a.i(1)}, "repeats") : emit_unsqueeze(ctx, a.dyn_int(1), {0});
  std::vector<std::string> reps_parts;
  if (dim + 1 > 0) reps_parts.push_back(ctx.add_int64s(std::vector<int64_t>(static_cast<size_t>(dim + 1), 1), "ones"));
  reps_parts.push_back(rep_count);
  if (rank - dim - 1 > 0) reps_parts.push_back(ctx.add_int64s(std::vector<int64_t>(static_cast<size_t>(rank - dim - 1), 1), "ones"));
  auto& rc = ctx.add_node("Concat", reps_parts, {ctx.fresh("tile_reps")});
  set_attr(rc, "axis", int64_t{0});
  std::string tiled = emit(ctx, "Tile", {u, rc.output(0)}, "tiled");
  // New shape: shape[:dim], -1, shape[dim+1:]
  std::vector<std::string> parts;
  if (dim > 0) parts.push_back(emit(ctx, "Slice", {shape, ctx.add_int64s({0}, "starts"), ctx.add_int64s({dim}, "ends")}, "head"));
  parts.push_back(ctx.add_int64s({-1}, "merged"));
  if (dim + 1 < rank) parts.push_back(emit(ctx, "Slice", {shape, ctx.add_int64s({dim + 1}, "starts"), ctx.add_int64s({rank}, "ends")}, "tail"));
  std::string target = parts[0];
  if (parts.size() > 1) {
    auto& c = ctx.add_node("Concat", parts, {ctx.fresh("shape")});
    set_attr(c, "axis", int64_t{0});
    target = c.output(0);
  }
  ctx.add_node("Reshape", {tiled, target}, {ctx.out(node->output(), "repeat_interleave")});
}

// The source index of each output position for per-element repeat counts `counts` (1-D):
// position p takes element #{i : cumsum(counts)[i] <= p}.
std::string interleave_index(ExportContext& ctx, const std::string& counts) {
  std::string c = emit_cast(ctx, counts, onnx::TensorProto_DataType_INT64);
  std::string ends = emit(ctx, "CumSum", {c, ctx.add_int64s({0}, "axis", true)}, "ends");
  std::string total = emit_reduce(ctx, "ReduceSum", c, {0}, false);
  std::string pos = emit(ctx, "Range", {ctx.add_int64s({0}, "zero", true), total, ctx.add_int64s({1}, "one", true)}, "positions");
  std::string ge = emit(ctx, "GreaterOrEqual", {emit_unsqueeze(ctx, pos, {1}), emit_unsqueeze(ctx, ends, {0})}, "passed");
  return emit_reduce(ctx, "ReduceSum", emit_cast(ctx, ge, onnx::TensorProto_DataType_INT64), {1}, false);
}

// repeat_interleave(x, repeats: tensor, dim?) → Gather with the computed source indices.
void repeat_interleave_tensor(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  auto dim_arg = a.opt_i(2);
  int64_t dim = 0;
  if (!dim_arg) x = emit(ctx, "Reshape", {x, ctx.add_int64s({-1}, "flat")}, "flat");
  else dim = normalize_dim(node, *dim_arg, rank_or_fail(ctx, node, a.value(0)));
  std::string counts = a.tensor(1);
  auto crank = ctx.rank_of(a.value(1));
  if (crank && *crank == 0) {  // one count for every element
    std::string n = emit(ctx, "Gather", {emit_shape(ctx, x), ctx.add_int64s({dim}, "dim")}, "n");
    counts = emit(ctx, "Expand", {emit_cast(ctx, counts, onnx::TensorProto_DataType_INT64), n}, "counts");
  }
  auto& g = ctx.add_node("Gather", {x, interleave_index(ctx, counts)}, {ctx.out(node->output(), "repeat_interleave")});
  set_attr(g, "axis", dim);
}

// repeat_interleave(repeats): arange(n) with each i repeated repeats[i] times.
void repeat_interleave_counts(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.bind(node->output(), interleave_index(ctx, a.tensor(0)));
}

// unfold(x, dim, size, step): windows along dim as a new last dim — a Gather
// with a [windows, size] index, then the window axis moved to the end.
void unfold(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  int64_t dim = rank == 0 ? 0 : normalize_dim(node, a.i(1), rank);
  int64_t size = a.int_is_static(2) ? a.i(2) : 1, step = a.int_is_static(3) ? a.i(3) : 1;
  if (step <= 0 || size < 0) unsupported(node, "size and step must be positive");
  std::string x = a.tensor(0);
  if (rank == 0) {
    x = emit_unsqueeze(ctx, x, {0});
    rank = 1;
  }
  std::string idx;
  auto dims = ctx.dims_of(a.value(0));
  const bool known = a.int_is_static(2) && a.int_is_static(3) && dims && !dims->empty() && (*dims)[static_cast<size_t>(dim)] >= 0;
  if (known) {
    int64_t n = (*dims)[static_cast<size_t>(dim)];
    if (size > n) unsupported(node, "a window larger than the dim");
    int64_t windows = (n - size) / step + 1;
    idx = ctx.add_initializer(at::arange(windows, at::kLong).unsqueeze(1) * step + at::arange(size, at::kLong).unsqueeze(0), "windows");
  } else {
    // A size, step or dim known only at run time (Tacotron2's alignments.unfold(1, n_batch,
    // n_batch)): the same window index, computed in the graph.
    auto scalar = [&](size_t i) { return a.int_is_static(i) ? ctx.add_int64s({a.i(i)}, "int", true) : a.dyn_int(i); };
    std::string sz = scalar(2), st = scalar(3);
    std::string n = emit_squeeze(ctx, emit_dim(ctx, x, dim), {0});
    std::string one = ctx.add_int64s({1}, "one", true), zero = ctx.add_int64s({0}, "zero", true);
    std::string windows = emit(ctx, "Add", {emit(ctx, "Div", {emit(ctx, "Sub", {n, sz}, "rest"), st}, "steps"), one}, "windows");
    std::string starts = emit(ctx, "Mul", {emit_unsqueeze(ctx, emit(ctx, "Range", {zero, windows, one}, "window"), {1}), st}, "starts");
    idx = emit(ctx, "Add", {starts, emit_unsqueeze(ctx, emit(ctx, "Range", {zero, sz, one}, "offset"), {0})}, "windows");
  }
  auto& g = ctx.add_node("Gather", {x, idx}, {ctx.fresh("windows")});
  set_attr(g, "axis", dim);
  // [.., W, S, ..] with S at dim + 1 → move S to the end.
  std::vector<int64_t> perm;
  for (int64_t i = 0; i <= rank; ++i)
    if (i != dim + 1) perm.push_back(i);
  perm.push_back(dim + 1);
  transpose_to(ctx, node, g.output(0), perm);
}

// as_strided(x, size, stride, offset): a Gather from the flattened (contiguous) tensor with the
// index every output element reads, computed at export.
void as_strided(ExportContext& ctx, const Node* node, const Args& a) {
  const auto& size = a.ints(1);
  const auto& stride = a.ints(2);
  int64_t offset = a.opt_i(3).value_or(0);
  if (size.size() != stride.size()) unsupported(node, "size and stride of different lengths");
  auto idx = at::full({}, offset, at::kLong);
  for (size_t i = 0; i < size.size(); ++i) {
    idx = idx.unsqueeze(-1) + at::arange(size[i], at::kLong) * stride[i];
  }
  std::string flat = emit(ctx, "Reshape", {a.tensor(0), ctx.add_int64s({-1}, "flat")}, "flat");
  ctx.add_node("Gather", {flat, ctx.add_initializer(idx, "strided_index")}, {ctx.out(node->output(), "as_strided")});
}

}  // namespace

void register_layout_ops(OpRegistry& r) {
  r.add("aten::permute", "v is", permute, "Transpose");
  r.add("aten::transpose.int|aten::transpose_|aten::swapaxes|aten::swapaxes_|aten::swapdims|aten::swapdims_", "v i i",
        transpose, "Transpose");
  r.add("aten::t|aten::t_", "v", transpose_2d, "Transpose (nothing below 2 dims)");
  r.add("aten::numpy_T|aten::numpy_T.a", "v", numpy_t, "Transpose (every dim reversed)");
  r.add("aten::mT|aten::mH|aten::adjoint", "v", matrix_t, "Transpose (the last two dims; real tensors)");
  r.add("aten::movedim.int|aten::moveaxis.int", "v i i", movedim, "Transpose");
  r.add("aten::movedim.intlist|aten::moveaxis.intlist", "v is is", movedim_list, "Transpose");
  r.add("aten::flip", "v is", flip, "Slice (step −1)");
  r.add("aten::roll", "v is is", roll, "Slice + Slice + Concat per dim");
  r.add("aten::cat|aten::concat|aten::concatenate", "vs i", cat, "Concat");
  r.add("aten::stack", "vs i", stack, "Unsqueeze + Concat");
  r.add("aten::hstack", "vs", hv_stack(false), "Concat (dim 1, or 0 for 1-D)");
  r.add("aten::vstack|aten::row_stack", "vs", hv_stack(true), "Unsqueeze + Concat (dim 0)");
  r.add("aten::split|aten::split.Tensor|aten::split.sizes|aten::split_with_sizes|aten::unsafe_split.Tensor|"
        "aten::unsafe_split_with_sizes",
        "v any i", split, "Split (a list of tensors)");
  r.add("aten::chunk|aten::unsafe_chunk", "v i i", chunk, "Split (a list of tensors)");
  r.add("aten::unbind.int", "v i", unbind, "Split + Squeeze (a list of tensors)");
  r.add("aten::tensor_split.sections", "v i i", tensor_split_sections, "Split (a list of tensors)");
  r.add("aten::tensor_split.indices", "v is i", tensor_split_indices, "Split (a list of tensors)");
  r.add("aten::tensor_split.tensor_indices_or_sections", "v v i", tensor_split_tensor, "Split (a list of tensors)");
  r.add("aten::expand", "v iv b", expand, "Expand");
  r.add("aten::broadcast_to", "v iv", [](ExportContext& c, const Node* n, const Args& a) { expand(c, n, a); }, "Expand");
  r.add("aten::expand_as", "v v", expand_as, "Shape + Expand");
  r.add("aten::broadcast_tensors", "vs", broadcast_tensors, "Expand per tensor to the common shape");
  r.add("aten::repeat", "v iv", repeat, "Tile (Unsqueeze first for new leading dims)");
  r.add("aten::tile", "v is", tile, "Tile");
  r.add("aten::repeat_interleave.self_int", "v id i? _", repeat_interleave_int, "Unsqueeze + Tile + Reshape");
  r.add("aten::repeat_interleave.self_Tensor", "v v i? _", repeat_interleave_tensor, "CumSum/Range/ReduceSum index + Gather");
  r.add("aten::repeat_interleave.Tensor", "v _", repeat_interleave_counts, "CumSum/Range/ReduceSum index");
  r.add("aten::unfold", "v i id id", unfold, "Gather (windows static, or computed with Range) + Transpose");
  r.add("aten::as_strided", "v is is i?", as_strided, "Reshape + Gather (static index)");
}

}  // namespace kiln
