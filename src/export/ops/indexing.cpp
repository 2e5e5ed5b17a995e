// Selecting, splitting and repeating: select, expand, repeat, split / chunk / unbind (lists of
// tensors), narrow, index_select, embedding, masked_fill, where, floor_divide and remainder on
// tensors, argmax, topk, cumsum.
#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

int64_t norm_dim(int64_t d, int64_t rank) {
  return d < 0 ? d + rank : d;
}

int64_t rank_or_fail(ExportContext& ctx, const Node* node, const Value* v) {
  auto r = ctx.rank_of(v);
  if (!r) unsupported(node, "a tensor of unknown rank");
  return *r;
}

// The size of one dim at export; fails when it is dynamic.
int64_t static_dim(ExportContext& ctx, const Node* node, const Value* v, int64_t dim) {
  auto dims = ctx.dims_of(v);
  if (!dims || dim >= static_cast<int64_t>(dims->size()) || (*dims)[static_cast<size_t>(dim)] < 0) {
    unsupported(node, fmt::format("dimension {} must have a static size", dim));
  }
  return (*dims)[static_cast<size_t>(dim)];
}

// select(x, dim, index) → Gather with a 0-d index (drops the dim)
void select(ExportContext& ctx, const Node* node) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  int64_t dim = norm_dim(ctx.const_int(node->input(1)), rank);
  auto& n = ctx.add_node("Gather",
                         {ctx.in(node->input(0)),
                          scalar_operand(ctx, node->input(2), onnx::TensorProto_DataType_INT64)},
                         {ctx.out(node->output(), "select")});
  set_attr(n, "axis", dim);
}

// expand(x, sizes): -1 keeps a dim; ONNX Expand broadcasts, so -1 becomes 1.
void expand(ExportContext& ctx, const Node* node) {
  std::string shape;
  if (ctx.is_static(node->input(1))) {
    auto sizes = ctx.const_ints(node->input(1));
    for (auto& s : sizes) s = s < 0 ? 1 : s;
    shape = ctx.add_int64s(sizes, "expand_shape");
  } else {
    auto elems = ctx.list_elements(node->input(1));
    if (!elems) unsupported(node, "expand to sizes kiln does not track");
    // -1 keeps the input's dim: Expand broadcasts a 1 to the input's size, the same thing.
    for (auto& e : *elems) {
      if (ctx.is_static(e) && ctx.const_int(e) < 0)
        e = ctx.mint_static(c10::IValue(int64_t{1}), c10::IntType::get());
    }
    shape = pack_int_elements(ctx, *elems);
  }
  ctx.add_node("Expand", {ctx.in(node->input(0)), shape}, {ctx.out(node->output(), "expand")});
}

void expand_as(ExportContext& ctx, const Node* node) {
  std::string shape = ctx.fresh("shape_of");
  ctx.add_node("Shape", {ctx.in(node->input(1))}, {shape});
  ctx.add_node("Expand", {ctx.in(node->input(0)), shape}, {ctx.out(node->output(), "expand")});
}

// repeat(x, repeats) → Tile (leading repeats beyond x's rank add dims first)
void repeat(ExportContext& ctx, const Node* node) {
  auto reps = ctx.const_ints(node->input(1));
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  std::string x = ctx.in(node->input(0));
  if (static_cast<int64_t>(reps.size()) > rank) {
    std::vector<int64_t> axes;
    for (int64_t i = 0; i < static_cast<int64_t>(reps.size()) - rank; ++i) axes.push_back(i);
    std::string u = ctx.fresh("unsqueeze");
    ctx.add_node("Unsqueeze", {x, ctx.add_int64s(axes, "axes")}, {u});
    x = u;
  }
  ctx.add_node("Tile", {x, ctx.add_int64s(reps, "repeats")}, {ctx.out(node->output(), "tile")});
}

// The list an op makes: Split's outputs as placeholder values.
void split_into(ExportContext& ctx, const Node* node, const std::vector<int64_t>& sizes,
                int64_t dim, bool squeeze) {
  std::vector<std::string> outs;
  for (size_t i = 0; i < sizes.size(); ++i) outs.push_back(ctx.fresh("split"));
  auto& n = ctx.add_node("Split", {ctx.in(node->input(0)), ctx.add_int64s(sizes, "split")}, outs);
  set_attr(n, "axis", dim);
  std::vector<const Value*> elems;
  for (auto& o : outs) {
    if (squeeze) {
      std::string s = ctx.fresh("unbind");
      ctx.add_node("Squeeze", {o, ctx.add_int64s({dim}, "axes")}, {s});
      o = s;
    }
    elems.push_back(ctx.mint(o));
  }
  ctx.record_list(node->output(), std::move(elems));
}

// split(x, split_size, dim) / split_with_sizes(x, sizes, dim) / chunk(x, chunks, dim) / unbind(x,
// dim)
void split(ExportContext& ctx, const Node* node) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  int64_t dim = norm_dim(ctx.const_int(node->input(2)), rank);
  auto arg = ctx.constant(node->input(1));
  std::vector<int64_t> sizes;
  if (arg.isIntList()) {
    sizes = arg.toIntVector();
  } else {
    int64_t total = static_dim(ctx, node, node->input(0), dim), step = arg.toInt();
    if (step <= 0) unsupported(node, "a split size that is not positive");
    for (int64_t at = 0; at < total; at += step) sizes.push_back(std::min(step, total - at));
  }
  split_into(ctx, node, sizes, dim, false);
}

void chunk(ExportContext& ctx, const Node* node) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  int64_t dim = norm_dim(ctx.const_int(node->input(2)), rank);
  int64_t total = static_dim(ctx, node, node->input(0), dim),
          chunks = ctx.const_int(node->input(1));
  if (chunks <= 0) unsupported(node, "a chunk count that is not positive");
  int64_t step = (total + chunks - 1) / chunks;
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < total; at += step) sizes.push_back(std::min(step, total - at));
  split_into(ctx, node, sizes, dim, false);
}

void unbind(ExportContext& ctx, const Node* node) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  int64_t dim = norm_dim(ctx.const_int(node->input(1)), rank);
  int64_t total = static_dim(ctx, node, node->input(0), dim);
  split_into(ctx, node, std::vector<int64_t>(static_cast<size_t>(total), 1), dim, true);
}

// narrow(x, dim, start, length) → Slice
void narrow(ExportContext& ctx, const Node* node) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  int64_t dim = norm_dim(ctx.const_int(node->input(1)), rank);
  int64_t start = ctx.const_int(node->input(2)), length = ctx.const_int(node->input(3));
  ctx.add_node("Slice",
               {ctx.in(node->input(0)), ctx.add_int64s({start}, "starts"),
                ctx.add_int64s({start + length}, "ends"), ctx.add_int64s({dim}, "axes")},
               {ctx.out(node->output(), "narrow")});
}

// index_select(x, dim, index) → Gather
void index_select(ExportContext& ctx, const Node* node) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  auto& n = ctx.add_node("Gather", {ctx.in(node->input(0)), ctx.in(node->input(2))},
                         {ctx.out(node->output(), "index_select")});
  set_attr(n, "axis", norm_dim(ctx.const_int(node->input(1)), rank));
}

// index(x, [None, ..., idx, None...]): advanced indexing with one index tensor → Gather on that
// dim (`table[index.view(-1)]`).
void index(ExportContext& ctx, const Node* node) {
  std::vector<const Value*> indices;
  if (auto elems = ctx.list_elements(node->input(1))) {
    indices = *elems;
  } else if (ctx.is_static(node->input(1))) {
    const c10::IValue list = ctx.constant(node->input(1));  // named: the loop reads into it
    for (const auto& iv : list.toListRef()) {
      indices.push_back(ctx.mint_static(iv, c10::OptionalType::create(c10::TensorType::get())));
    }
  } else {
    unsupported(node, "indices kiln does not track");
  }
  int axis = -1;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (ctx.is_none(indices[i])) continue;
    if (axis >= 0) unsupported(node, "indexing with more than one index tensor");
    axis = static_cast<int>(i);
  }
  if (axis < 0) return alias(ctx, node);
  auto t = ctx.is_static(indices[static_cast<size_t>(axis)])
               ? ctx.const_tensor(indices[static_cast<size_t>(axis)])
               : std::nullopt;
  if (t && t->scalar_type() == at::kBool)
    unsupported(node, "boolean mask indexing (data-dependent shape)");
  auto& n =
      ctx.add_node("Gather", {ctx.in(node->input(0)), ctx.in(indices[static_cast<size_t>(axis)])},
                   {ctx.out(node->output(), "index")});
  set_attr(n, "axis", static_cast<int64_t>(axis));
}

// roll(x, shifts, dims): per dim, the last `shift` elements move to the front — two Slices and a
// Concat (the dim's size must be static).
void roll(ExportContext& ctx, const Node* node) {
  auto shifts = ctx.const_ints(node->input(1));
  auto dims = ctx.const_ints(node->input(2));
  if (dims.empty() || dims.size() != shifts.size())
    unsupported(node, "roll without dims (over the flattened tensor)");
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  std::string x = ctx.in(node->input(0));
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = norm_dim(dims[i], rank);
    int64_t n = static_dim(ctx, node, node->input(0), d);
    int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    std::string tail = ctx.fresh("roll_tail"), head = ctx.fresh("roll_head");
    ctx.add_node("Slice",
                 {x, ctx.add_int64s({n - s}, "starts"), ctx.add_int64s({n}, "ends"),
                  ctx.add_int64s({d}, "axes")},
                 {tail});
    ctx.add_node("Slice",
                 {x, ctx.add_int64s({0}, "starts"), ctx.add_int64s({n - s}, "ends"),
                  ctx.add_int64s({d}, "axes")},
                 {head});
    std::string out = ctx.fresh("roll");
    auto& c = ctx.add_node("Concat", {tail, head}, {out});
    set_attr(c, "axis", d);
    x = out;
  }
  ctx.bind(node->output(), x);
}

// embedding(weight, indices, padding_idx, scale_grad, sparse) → Gather(weight, indices)
void embedding(ExportContext& ctx, const Node* node) {
  ctx.add_node("Gather", {ctx.in(node->input(0)), ctx.in(node->input(1))},
               {ctx.out(node->output(), "embedding")});
}

// masked_fill(x, mask, value) → Where(mask, value, x)
void masked_fill(ExportContext& ctx, const Node* node) {
  auto type = scalar_onnx_type(node->input(0)).value_or(onnx::TensorProto_DataType_FLOAT);
  std::string value = scalar_operand(ctx, node->input(2), type);
  ctx.add_node("Where", {ctx.in(node->input(1)), value, ctx.in(node->input(0))},
               {ctx.out(node->output(), "masked_fill")});
}

// where(cond, a, b)
void where(ExportContext& ctx, const Node* node) {
  if (node->inputs().size() != 3) unsupported(node, "where(cond) with one argument (nonzero)");
  auto type = scalar_onnx_type(node->output()).value_or(onnx::TensorProto_DataType_FLOAT);
  ctx.add_node("Where",
               {ctx.in(node->input(0)), scalar_operand_or_tensor(ctx, node->input(1), type),
                scalar_operand_or_tensor(ctx, node->input(2), type)},
               {ctx.out(node->output(), "where")});
}

// floor_divide / remainder / div(rounding_mode) on tensors, in the output's dtype
void tensor_floor_divide(ExportContext& ctx, const Node* node) {
  auto type = scalar_onnx_type(node->output()).value_or(onnx::TensorProto_DataType_FLOAT);
  std::string a = scalar_operand_or_tensor(ctx, node->input(0), type),
              b = scalar_operand_or_tensor(ctx, node->input(1), type);
  ctx.bind(node->output(), floor_divide(ctx, a, b, type, ctx.fresh("floor_divide")));
}

void tensor_remainder(ExportContext& ctx, const Node* node) {
  auto type = scalar_onnx_type(node->output()).value_or(onnx::TensorProto_DataType_FLOAT);
  std::string a = scalar_operand_or_tensor(ctx, node->input(0), type),
              b = scalar_operand_or_tensor(ctx, node->input(1), type);
  ctx.bind(node->output(), floor_remainder(ctx, a, b, type, ctx.fresh("remainder")));
}

// argmax / argmin(x, dim?, keepdim)
void arg_reduce(ExportContext& ctx, const Node* node, const char* op) {
  std::string x = ctx.in(node->input(0));
  bool keep = ctx.const_bool(node->input(2));
  int64_t axis = 0;
  if (ctx.is_none(node->input(1))) {
    std::string flat = ctx.fresh("flat");
    ctx.add_node("Reshape", {x, ctx.add_int64s({-1}, "shape")}, {flat});
    x = flat;
    keep = false;
  } else {
    axis = norm_dim(ctx.const_int(node->input(1)), rank_or_fail(ctx, node, node->input(0)));
  }
  auto& n = ctx.add_node(op, {x}, {ctx.out(node->output(), op)});
  set_attr(n, "axis", axis);
  set_attr(n, "keepdims", static_cast<int64_t>(keep));
}
void argmax(ExportContext& c, const Node* n) {
  arg_reduce(c, n, "ArgMax");
}
void argmin(ExportContext& c, const Node* n) {
  arg_reduce(c, n, "ArgMin");
}

// topk(x, k, dim, largest, sorted) → TopK (values, indices)
void topk(ExportContext& ctx, const Node* node) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  std::string k = ctx.add_int64s({ctx.const_int(node->input(1))}, "k");
  auto& n = ctx.add_node(
      "TopK", {ctx.in(node->input(0)), k},
      {ctx.out(node->output(0), "topk_values"), ctx.out(node->output(1), "topk_indices")});
  set_attr(n, "axis", norm_dim(ctx.const_int(node->input(2)), rank));
  set_attr(n, "largest", static_cast<int64_t>(ctx.const_bool(node->input(3))));
  set_attr(n, "sorted", static_cast<int64_t>(ctx.const_bool(node->input(4))));
}

// cumsum(x, dim, dtype?)
void cumsum(ExportContext& ctx, const Node* node) {
  if (node->inputs().size() > 2 && !ctx.is_none(node->input(2)))
    unsupported(node, "cumsum with a dtype");
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  ctx.add_node("CumSum",
               {ctx.in(node->input(0)),
                ctx.add_int64s({norm_dim(ctx.const_int(node->input(1)), rank)}, "axis", true)},
               {ctx.out(node->output(), "cumsum")});
}

}  // namespace

void add_indexing_ops(OpTable& t) {
  t["aten::select"] = {select, "Gather (0-d index)"};
  t["aten::expand"] = {expand, "Expand"};
  t["aten::expand_as"] = {expand_as, "Shape + Expand"};
  t["aten::repeat"] = {repeat, "Tile (Unsqueeze first for new leading dims)"};
  t["aten::split"] = {split, "Split (a list of tensors)"};
  t["aten::split_with_sizes"] = {split, "Split (a list of tensors)"};
  t["aten::chunk"] = {chunk, "Split (a list of tensors)"};
  t["aten::unbind"] = {unbind, "Split + Squeeze (a list of tensors)"};
  t["aten::narrow"] = {narrow, "Slice"};
  t["aten::index_select"] = {index_select, "Gather"};
  t["aten::embedding"] = {embedding, "Gather"};
  t["aten::index"] = {index, "Gather (one index tensor)"};
  t["aten::roll"] = {roll, "Slice + Slice + Concat per dim"};
  for (const char* k : {"aten::masked_fill", "aten::masked_fill_"}) t[k] = {masked_fill, "Where"};
  t["aten::where"] = {where, "Where"};
  t["aten::floor_divide"] = {tensor_floor_divide,
                             "Div(Sub(a, Mod(a, b)), b) for ints, Floor(Div) for floats"};
  t["aten::remainder"] = {tensor_remainder, "Mod (ints) or a − floor(a/b)·b"};
  t["aten::argmax"] = {argmax, "ArgMax"};
  t["aten::argmin"] = {argmin, "ArgMin"};
  t["aten::topk"] = {topk, "TopK"};
  t["aten::cumsum"] = {cumsum, "CumSum"};
}

}  // namespace kiln
