// Shape and layout: flatten, view/reshape, permute/transpose, unsqueeze/squeeze, cat, size, and
// the ops that only change TorchScript's bookkeeping (contiguous, detach, eval dropout, casts
// between ints and tensors) which become no ONNX node at all.
#include <cstdint>

#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"

namespace kiln {

namespace {

int64_t normalize_dim(int64_t d, int64_t rank) { return d < 0 ? d + rank : d; }

// A shape argument (int list) as an ONNX int64 tensor: constant, or built from run-time ints.
std::string int_list(ExportContext& ctx, const Node* node, const Value* list) {
  if (ctx.is_constant(list)) {
    auto v = ctx.const_ints(list);
    for (auto d : v) {
      if (d == 0) unsupported(node, "a zero-sized dimension in a shape argument");
    }
    return ctx.add_int64s(v, "shape");
  }
  auto elems = ctx.list_elements(list);
  if (!elems) unsupported(node, "the shape argument is neither a constant nor a list");
  std::vector<std::string> parts;
  for (const Value* e : *elems) {
    parts.push_back(ctx.is_constant(e) ? ctx.add_int64s({ctx.const_int(e)}, "dim") : ctx.in(e));
  }
  std::string out = ctx.fresh("shape");
  auto& n = ctx.add_node("Concat", parts, {out});
  set_attr(n, "axis", 0);
  return out;
}

void reshape(ExportContext& ctx, const Node* node) {
  std::string shape = int_list(ctx, node, node->input(1));
  ctx.add_node("Reshape", {ctx.in(node->input(0)), shape}, {ctx.out(node->output(), "reshape")});
}

// flatten(x, start, end)
void flatten(ExportContext& ctx, const Node* node) {
  int64_t start = ctx.const_int(node->input(1)), end = ctx.const_int(node->input(2));
  std::string x = ctx.in(node->input(0));
  auto rank = ctx.rank_of(node->input(0));
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
  start = normalize_dim(start, *rank);
  end = normalize_dim(end, *rank);
  if (start == end) return alias(ctx, node);
  auto shape = ctx.shape_of(x);
  std::vector<int64_t> target;
  for (int64_t i = 0; i < start; ++i) target.push_back(0);  // 0 = copy that input dimension
  target.push_back(-1);
  for (int64_t i = end + 1; i < *rank; ++i) {
    if (!shape || (*shape)[static_cast<size_t>(i)] < 0) unsupported(node, "flatten keeps a trailing dimension of unknown size");
    target.push_back((*shape)[static_cast<size_t>(i)]);
  }
  ctx.add_node("Reshape", {x, ctx.add_int64s(target, "shape")}, {ctx.out(node->output(), "flatten")});
}

void permute(ExportContext& ctx, const Node* node) {
  auto dims = ctx.const_ints(node->input(1));
  auto rank = static_cast<int64_t>(dims.size());
  for (auto& d : dims) d = normalize_dim(d, rank);
  auto& n = ctx.add_node("Transpose", {ctx.in(node->input(0))}, {ctx.out(node->output(), "transpose")});
  set_attr(n, "perm", dims);
}

void transpose(ExportContext& ctx, const Node* node) {
  auto rank = ctx.rank_of(node->input(0));
  if (!rank) unsupported(node, "transpose of a tensor of unknown rank");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < *rank; ++i) perm.push_back(i);
  std::swap(perm[static_cast<size_t>(normalize_dim(ctx.const_int(node->input(1)), *rank))],
            perm[static_cast<size_t>(normalize_dim(ctx.const_int(node->input(2)), *rank))]);
  auto& n = ctx.add_node("Transpose", {ctx.in(node->input(0))}, {ctx.out(node->output(), "transpose")});
  set_attr(n, "perm", perm);
}

void unsqueeze(ExportContext& ctx, const Node* node) {
  ctx.add_node("Unsqueeze", {ctx.in(node->input(0)), ctx.add_int64s({ctx.const_int(node->input(1))}, "axes")},
               {ctx.out(node->output(), "unsqueeze")});
}

void squeeze(ExportContext& ctx, const Node* node) {
  std::vector<std::string> inputs{ctx.in(node->input(0))};
  if (node->inputs().size() > 1) {
    auto iv = ctx.constant(node->input(1));
    inputs.push_back(ctx.add_int64s(iv.isInt() ? std::vector<int64_t>{iv.toInt()} : iv.toIntVector(), "axes"));
  }
  ctx.add_node("Squeeze", inputs, {ctx.out(node->output(), "squeeze")});
}

void cat(ExportContext& ctx, const Node* node) {
  auto elems = ctx.list_elements(node->input(0));
  if (!elems) unsupported(node, "cat of something other than a list of tensors");
  std::vector<std::string> parts;
  for (const Value* e : *elems) parts.push_back(ctx.in(e));
  auto& n = ctx.add_node("Concat", parts, {ctx.out(node->output(), "concat")});
  set_attr(n, "axis", ctx.const_int(node->input(1)));
}

// size(x, dim) → a one-element int64 tensor (run-time ints travel as [1]-shaped tensors)
void size(ExportContext& ctx, const Node* node) {
  std::string shape = ctx.fresh("shape_of");
  ctx.add_node("Shape", {ctx.in(node->input(0))}, {shape});
  if (node->inputs().size() == 1) {
    ctx.bind(node->output(), shape);
    return;
  }
  ctx.add_node("Gather", {shape, ctx.add_int64s({ctx.const_int(node->input(1))}, "dim")}, {ctx.out(node->output(), "size")});
}

// slice(x, dim, start?, end?, step): a full slice (0, None/huge, 1) is no node at all
void slice(ExportContext& ctx, const Node* node) {
  int64_t dim = ctx.const_int(node->input(1));
  int64_t start = ctx.is_none(node->input(2)) ? 0 : ctx.const_int(node->input(2));
  int64_t end = ctx.is_none(node->input(3)) ? INT64_MAX : ctx.const_int(node->input(3));
  int64_t step = ctx.const_int(node->input(4));
  if (start == 0 && end == INT64_MAX && step == 1) return alias(ctx, node);
  ctx.add_node("Slice",
               {ctx.in(node->input(0)), ctx.add_int64s({start}, "starts"), ctx.add_int64s({end}, "ends"),
                ctx.add_int64s({dim}, "axes"), ctx.add_int64s({step}, "steps")},
               {ctx.out(node->output(), "slice")});
}

// prim::dtype(x): an export-time constant (the ScalarType code) from ONNX type inference
void dtype(ExportContext& ctx, const Node* node) {
  auto et = ctx.elem_type_of(ctx.in(node->input(0)));
  if (!et) unsupported(node, "the tensor's dtype is unknown at export time");
  at::ScalarType t;
  switch (*et) {
    case onnx::TensorProto_DataType_FLOAT: t = at::kFloat; break;
    case onnx::TensorProto_DataType_DOUBLE: t = at::kDouble; break;
    case onnx::TensorProto_DataType_INT64: t = at::kLong; break;
    case onnx::TensorProto_DataType_INT32: t = at::kInt; break;
    case onnx::TensorProto_DataType_BOOL: t = at::kBool; break;
    default: unsupported(node, "a dtype kiln does not map back to LibTorch");
  }
  ctx.set_known(node->output(), c10::IValue(static_cast<int64_t>(t)));
}

// to(x, dtype, non_blocking, copy[, memory_format]): a no-op to the same dtype, else Cast
void to(ExportContext& ctx, const Node* node) {
  if (node->inputs().size() < 2 || !ctx.is_constant(node->input(1)) || !ctx.constant(node->input(1)).isInt()) {
    unsupported(node, "only .to(dtype) with a dtype known at export time is supported");
  }
  auto target = static_cast<at::ScalarType>(ctx.const_int(node->input(1)));
  int64_t onnx_type = target == at::kFloat ? onnx::TensorProto_DataType_FLOAT
                      : target == at::kDouble ? onnx::TensorProto_DataType_DOUBLE
                      : target == at::kLong ? onnx::TensorProto_DataType_INT64
                      : target == at::kInt ? onnx::TensorProto_DataType_INT32
                      : target == at::kBool ? onnx::TensorProto_DataType_BOOL : 0;
  if (onnx_type == 0) unsupported(node, "a cast to a dtype kiln does not export");
  auto have = ctx.elem_type_of(ctx.in(node->input(0)));
  if (have && *have == onnx_type) return alias(ctx, node);
  auto& n = ctx.add_node("Cast", {ctx.in(node->input(0))}, {ctx.out(node->output(), "cast")});
  set_attr(n, "to", onnx_type);
}

void list_construct(ExportContext& ctx, const Node* node) {
  std::vector<const Value*> elems(node->inputs().begin(), node->inputs().end());
  ctx.record_list(node->output(), std::move(elems));
}

void dropout(ExportContext& ctx, const Node* node) {
  if (ctx.const_bool(node->input(2))) unsupported(node, "training-mode dropout (call eval() before saving)");
  alias(ctx, node);
}

}  // namespace

void add_shape_ops(OpTable& t) {
  t["aten::flatten"] = {flatten, "Flatten or Reshape"};
  for (const char* k : {"aten::view", "aten::reshape"}) t[k] = {reshape, "Reshape"};
  t["aten::permute"] = {permute, "Transpose"};
  t["aten::transpose"] = {transpose, "Transpose"};
  t["aten::unsqueeze"] = {unsqueeze, "Unsqueeze"};
  t["aten::squeeze"] = {squeeze, "Squeeze"};
  t["aten::cat"] = {cat, "Concat"};
  t["aten::slice"] = {slice, "Slice (nothing for a full slice)"};
  t["aten::size"] = {size, "Shape + Gather"};
  t["prim::dtype"] = {dtype, "nothing (the dtype is known at export time)"};
  t["aten::to"] = {to, "nothing (same dtype) or Cast"};
  t["prim::ListConstruct"] = {list_construct, "(consumed by cat / reshape)"};
  for (const char* k : {"aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::alpha_dropout"}) {
    t[k] = {dropout, "nothing (eval mode)"};
  }
  for (const char* k : {"aten::contiguous", "aten::detach", "aten::clone", "prim::NumToTensor", "aten::Int",
                        "aten::ScalarImplicit", "aten::Bool"}) {
    t[k] = {alias, "nothing (bookkeeping)"};
  }
}

}  // namespace kiln
