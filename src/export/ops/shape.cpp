// Shape and layout: flatten, view/reshape, permute/transpose, unsqueeze/squeeze, cat, size, and
// the ops that only change TorchScript's bookkeeping (contiguous, detach, eval dropout, casts
// between ints and tensors) which become no ONNX node at all.
#include <cstdint>
#include <set>

#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

int64_t normalize_dim(int64_t d, int64_t rank) { return d < 0 ? d + rank : d; }

// A shape argument (int list) as an ONNX int64 tensor: constant, or built from run-time ints.
std::string int_list(ExportContext& ctx, const Node* node, const Value* list) {
  if (ctx.is_static(list)) {
    for (auto d : ctx.const_ints(list)) {
      if (d == 0) unsupported(node, "a zero-sized dimension in a shape argument");
    }
  }
  return pack_int_list(ctx, node, list);
}

// A 1-element int64 tensor from a static or dynamic int (Slice's starts/ends).
std::string one_int(ExportContext& ctx, const Value* v, int64_t fallback, const std::string& hint) {
  if (ctx.is_none(v)) return ctx.add_int64s({fallback}, hint);
  if (ctx.is_static(v)) return ctx.add_int64s({ctx.const_int(v)}, hint);
  std::string x = scalar_operand(ctx, v, onnx::TensorProto_DataType_INT64);
  std::string u = ctx.fresh(hint);
  ctx.add_node("Unsqueeze", {x, ctx.add_int64s({0}, "axes")}, {u});
  return u;
}

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

void reshape(ExportContext& ctx, const Node* node) {
  auto elems = ctx.is_static(node->input(1)) ? std::nullopt : ctx.list_elements(node->input(1));
  if (elems) return reshape_to(ctx, node, *elems);
  std::string shape = int_list(ctx, node, node->input(1));
  ctx.add_node("Reshape", {ctx.in(node->input(0)), shape}, {ctx.out(node->output(), "reshape")});
}

// unflatten(x, dim, sizes): x's dims with `dim` replaced by `sizes`, the others read from x.
void unflatten(ExportContext& ctx, const Node* node) {
  auto dims = ctx.dims_of(node->input(0));
  if (!dims) unsupported(node, "unflatten of a tensor of unknown rank");
  auto syms = ctx.dim_symbols_of(node->input(0));
  int64_t rank = static_cast<int64_t>(dims->size());
  int64_t dim = normalize_dim(ctx.const_int(node->input(1)), rank);
  std::vector<const Value*> sizes;
  if (ctx.is_static(node->input(2))) {
    for (auto v : ctx.const_ints(node->input(2))) sizes.push_back(ctx.mint_static(c10::IValue(v), c10::IntType::get()));
  } else if (auto e = ctx.list_elements(node->input(2))) {
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
    if (shape.empty()) {
      shape = ctx.fresh("shape_of");
      ctx.add_node("Shape", {ctx.in(node->input(0))}, {shape});
    }
    std::string d = ctx.fresh("size");
    ctx.add_node("Gather", {shape, ctx.add_int64s({i}, "dim", true)}, {d});
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

// slice(x, dim, start?, end?, step): a full slice (0, None/huge, 1) is no node at all; start and
// end may be dynamic ints.
void slice(ExportContext& ctx, const Node* node) {
  int64_t dim = ctx.const_int(node->input(1));
  int64_t step = ctx.const_int(node->input(4));
  const Value* sv = node->input(2);
  const Value* ev = node->input(3);
  bool start_zero = ctx.is_none(sv) || (ctx.is_static(sv) && ctx.const_int(sv) == 0);
  bool end_max = ctx.is_none(ev) || (ctx.is_static(ev) && ctx.const_int(ev) >= INT64_MAX / 2);
  if (start_zero && end_max && step == 1) return alias(ctx, node);
  ctx.add_node("Slice",
               {ctx.in(node->input(0)), one_int(ctx, sv, 0, "starts"), one_int(ctx, ev, INT64_MAX, "ends"),
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

void dropout(ExportContext& ctx, const Node* node) {
  if (ctx.const_bool(node->input(2))) unsupported(node, "training-mode dropout (call eval() before saving)");
  alias(ctx, node);
}

}  // namespace

void add_shape_ops(OpTable& t) {
  t["aten::flatten"] = {flatten, "Flatten or Reshape"};
  for (const char* k : {"aten::view", "aten::reshape"}) t[k] = {reshape, "Reshape"};
  t["aten::permute"] = {permute, "Transpose"};
  t["aten::unflatten"] = {unflatten, "Reshape"};
  t["aten::transpose"] = {transpose, "Transpose"};
  t["aten::unsqueeze"] = {unsqueeze, "Unsqueeze"};
  t["aten::squeeze"] = {squeeze, "Squeeze"};
  t["aten::cat"] = {cat, "Concat"};
  t["aten::slice"] = {slice, "Slice (nothing for a full slice)"};
  t["prim::dtype"] = {dtype, "nothing (the dtype is known at export time)"};
  t["aten::to"] = {to, "nothing (same dtype) or Cast"};
  for (const char* k : {"aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::alpha_dropout"}) {
    t[k] = {dropout, "nothing (eval mode)"};
  }
  for (const char* k : {"aten::contiguous", "aten::detach", "aten::clone", "prim::NumToTensor"}) {
    t[k] = {alias, "nothing (bookkeeping)"};
  }
}

}  // namespace kiln
