#include "export/view_writeback.h"

#include <cstdint>
#include <limits>
#include <algorithm>
#include <numeric>
#include <set>
#include <vector>

#include "export/converter_util.h"

namespace kiln {

namespace {

// A 1-element int64 tensor for an int argument: a constant when known at export (or `fallback`
// for None), else the run-time value reshaped.
std::string int_arg(ExportContext& ctx, const Value* v, int64_t fallback) {
  if (ctx.is_none(v)) return ctx.add_int64s({fallback}, "int");
  if (ctx.is_static(v)) return ctx.add_int64s({ctx.const_int(v)}, "int");
  return emit(ctx, "Reshape", {ctx.in(v), ctx.add_int64s({1}, "one_elem")}, "int");
}

// An index or bound into a dim of size `size` (1-element tensors): negative counts from the end,
// then clamped to [0, size] (PyTorch's slice bounds).
std::string wrap_clamped(ExportContext& ctx, const std::string& v, const std::string& size) {
  std::string zero = ctx.add_int64s({0}, "zero");
  std::string wrapped = emit(ctx, "Where", {emit(ctx, "Less", {v, zero}, "negative"), emit(ctx, "Add", {v, size}, "from_end"), v}, "wrapped");
  return emit(ctx, "Min", {emit(ctx, "Max", {wrapped, zero}, "lower"), size}, "clamped");
}

std::vector<int64_t> dim_first(int64_t dim, int64_t rank) {
  std::vector<int64_t> perm{dim};
  for (int64_t i = 0; i < rank; ++i)
    if (i != dim) perm.push_back(i);
  return perm;
}

std::vector<int64_t> inverse(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return inv;
}

// base with rows `rows` (1-D int64) of dim `dim` replaced by `updates` (dim `dim` holding those
// rows, or absent when `squeezed`: a select).
std::string scatter_rows(ExportContext& ctx, const std::string& base, int64_t dim, int64_t rank, const std::string& rows,
                         const std::string& updates, bool squeezed) {
  auto perm = dim_first(dim, rank);
  std::string base_t = dim == 0 ? base : emit_transpose(ctx, base, perm);
  std::string upd = squeezed ? emit_unsqueeze(ctx, updates, {dim}) : updates;
  if (dim != 0) upd = emit_transpose(ctx, upd, perm);
  std::string scattered = emit(ctx, "ScatterND", {base_t, emit_unsqueeze(ctx, rows, {1}), upd}, "written_back");
  return dim == 0 ? scattered : emit_transpose(ctx, scattered, inverse(perm));
}

// The updated base of one view op, or nullopt when `node` is not a view kiln writes back through.
std::optional<std::string> updated_base(ExportContext& ctx, const Node* node, const std::string& written) {
  const std::string kind = node->kind().toQualString();
  const Value* base = node->input(0);
  // (a base known at export, `new_full(fixed_shape, 0)` that an image is copied into, becomes a
  // tensor of the graph here: it is written)
  if (base->type()->kind() != c10::TypeKind::TensorType || (!ctx.is_bound(base) && !ctx.is_static(base))) return std::nullopt;
  auto rank = ctx.rank_of(base);
  if (kind == "aten::alias" || kind == "aten::detach") return written;
  if (kind == "aten::view" || kind == "aten::unsqueeze" || kind == "aten::squeeze" || kind == "aten::view_as") {
    return emit(ctx, "Reshape", {written, emit_shape(ctx, ctx.in(base))}, "written_back");
  }
  if (!rank) return std::nullopt;
  if (kind == "aten::transpose" && node->inputs().size() == 3 && ctx.is_static(node->input(1)) && ctx.is_static(node->input(2))) {
    std::vector<int64_t> perm(static_cast<size_t>(*rank));
    std::iota(perm.begin(), perm.end(), 0);
    int64_t a = normalize_dim(node, ctx.const_int(node->input(1)), *rank), b = normalize_dim(node, ctx.const_int(node->input(2)), *rank);
    std::swap(perm[static_cast<size_t>(a)], perm[static_cast<size_t>(b)]);
    return emit_transpose(ctx, written, perm);  // a swap is its own inverse
  }
  if (kind == "aten::permute" && node->inputs().size() == 2 && ctx.is_static(node->input(1))) {
    auto perm = ctx.constant(node->input(1)).toIntVector();
    for (auto& p : perm) p = normalize_dim(node, p, *rank);
    return emit_transpose(ctx, written, inverse(perm));
  }
  if (kind != "aten::select" && kind != "aten::slice" && kind != "aten::narrow") return std::nullopt;
  if (!ctx.is_static(node->input(1)) || ctx.is_none(node->input(1))) return std::nullopt;
  const int64_t dim = normalize_dim(node, ctx.const_int(node->input(1)), *rank);
  std::string size = emit_dim(ctx, ctx.in(base), dim);
  if (kind == "aten::select") {
    std::string index = wrap_clamped(ctx, int_arg(ctx, node->input(2), 0), size);
    return scatter_rows(ctx, ctx.in(base), dim, *rank, index, written, true);
  }
  if (kind == "aten::slice" || kind == "aten::narrow") {
    std::string start, end, step = ctx.add_int64s({1}, "step");
    if (kind == "aten::slice") {
      // A full slice (y[:, …]) is the base itself.
      const Value *s = node->input(2), *e = node->input(3), *st = node->input(4);
      bool from_zero = ctx.is_none(s) || (ctx.is_static(s) && ctx.const_int(s) == 0);
      bool to_end = ctx.is_none(e) || (ctx.is_static(e) && ctx.const_int(e) >= std::numeric_limits<int64_t>::max() / 2);
      bool unit = ctx.is_static(st) && ctx.const_int(st) == 1;
      if (from_zero && to_end && unit) return written;
      if (!ctx.is_static(st)) return std::nullopt;
      start = wrap_clamped(ctx, int_arg(ctx, s, 0), size);
      end = wrap_clamped(ctx, int_arg(ctx, e, std::numeric_limits<int64_t>::max()), size);
      step = int_arg(ctx, st, 1);
    } else {
      start = wrap_clamped(ctx, int_arg(ctx, node->input(2), 0), size);
      end = emit(ctx, "Add", {start, int_arg(ctx, node->input(3), 0)}, "end");
    }
    auto scalar = [&](const std::string& v) { return emit_squeeze(ctx, v, {0}); };
    std::string rows = emit(ctx, "Range", {scalar(start), scalar(end), scalar(step)}, "rows");
    return scatter_rows(ctx, ctx.in(base), dim, *rank, rows, written, false);
  }
  return std::nullopt;
}

bool is_view_op(const Node* n) {
  static const std::set<std::string> kViews{"aten::slice", "aten::select", "aten::narrow", "aten::view", "aten::unsqueeze",
                                            "aten::squeeze", "aten::transpose", "aten::permute", "aten::alias",
                                            "aten::detach", "aten::view_as"};
  return kViews.count(n->kind().toQualString()) != 0;
}

bool writes_input_0(const Node* n) {
  const auto* schema = n->maybeSchema();
  if (schema == nullptr || schema->arguments().empty() || n->inputs().empty()) return false;
  const auto& alias = schema->arguments()[0].alias_info();
  return alias && alias->isWrite() && n->input(0)->type()->kind() == c10::TypeKind::TensorType;
}

bool inside(const torch::jit::Block* inner, const torch::jit::Block* outer) {
  for (const torch::jit::Block* b = inner; b != nullptr; b = b->owningNode() ? b->owningNode()->owningBlock() : nullptr)
    if (b == outer) return true;
  return false;
}

void collect_written(const torch::jit::Block* block, const torch::jit::Block* scope, std::vector<const Value*>& out) {
  for (const Node* n : block->nodes()) {
    for (const torch::jit::Block* b : n->blocks()) collect_written(b, scope, out);
    if (!writes_input_0(n)) continue;
    const Value* v = n->input(0);
    // Up the views taken inside the block to the tensor they view.
    while (inside(v->node()->owningBlock(), scope) && is_view_op(v->node())) v = v->node()->input(0);
    const bool outer = !inside(v->node()->owningBlock(), scope);  // a block's own inputs are inside it
    if (outer && v->node()->kind() != c10::prim::Constant && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
}

}  // namespace

bool mutates_outside(const Node* node, const torch::jit::Block* scope) {
  for (const torch::jit::Block* b : node->blocks())
    for (const Node* n : b->nodes())
      if (mutates_outside(n, scope)) return true;
  const auto* schema = node->maybeSchema();
  bool writes = node->kind() == c10::prim::SetAttr ||
                (schema != nullptr && !schema->arguments().empty() && !node->inputs().empty() &&
                 schema->arguments()[0].alias_info() && schema->arguments()[0].alias_info()->isWrite());
  if (!writes) return false;
  const Value* v = node->input(0);
  while (inside(v->node()->owningBlock(), scope) && is_view_op(v->node())) v = v->node()->input(0);
  return !inside(v->node()->owningBlock(), scope) && v->node()->kind() != c10::prim::Constant;
}

std::vector<const Value*> outer_values_written_in(const torch::jit::Block* block) {
  std::vector<const Value*> out;
  collect_written(block, block, out);
  return out;
}

void write_back_through_views(ExportContext& ctx, const Value* view, const std::string& written) {
  std::string value = written;
  for (const Value* v = view; v->node()->kind() != c10::prim::Param;) {
    const Node* producer = v->node();
    if (producer->inputs().empty() || producer->outputs().size() != 1) return;
    auto base_value = updated_base(ctx, producer, value);
    if (!base_value) return;
    const Value* base = producer->input(0);
    if (base->node()->kind() == c10::prim::Constant) return;  // a folded constant is not rewritten
    ctx.bind(base, *base_value);
    value = *base_value;
    v = base;
  }
}

}  // namespace kiln
