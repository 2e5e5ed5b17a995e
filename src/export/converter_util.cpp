#include "export/converter_util.h"

#include <limits>

#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/promotion.h"

namespace kiln {

int64_t normalize_dim(const Node* node, int64_t dim, int64_t rank) {
  int64_t d = dim < 0 ? dim + rank : dim;
  // A 0-d tensor takes dims -1 and 0 (PyTorch treats it as rank 1 for dim arguments).
  if (rank == 0 && (dim == 0 || dim == -1)) return 0;
  if (d < 0 || d >= rank) unsupported(node, fmt::format("dim {} is out of range for a tensor of rank {}", dim, rank));
  return d;
}

int64_t rank_or_fail(ExportContext& ctx, const Node* node, const Value* v) {
  auto r = ctx.rank_of(v);
  if (!r) unsupported(node, "a tensor of unknown rank");
  return *r;
}

int64_t static_dim(ExportContext& ctx, const Node* node, const Value* v, int64_t dim) {
  auto dims = ctx.dims_of(v);
  if (!dims || dim >= static_cast<int64_t>(dims->size()) || (*dims)[static_cast<size_t>(dim)] < 0) {
    unsupported(node, fmt::format("dimension {} must have a static size", dim));
  }
  return (*dims)[static_cast<size_t>(dim)];
}

std::string emit(ExportContext& ctx, const std::string& op, const std::vector<std::string>& inputs,
                 const std::string& hint, const std::string& out) {
  std::string name = out.empty() ? ctx.fresh(hint) : out;
  ctx.add_node(op, inputs, {name});
  return name;
}

std::string emit_transpose(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& perm) {
  std::string out = ctx.fresh("transpose");
  auto& n = ctx.add_node("Transpose", {x}, {out});
  set_attr(n, "perm", perm);
  return out;
}

std::string emit_cast(ExportContext& ctx, const std::string& x, int32_t onnx_type) {
  if (auto have = ctx.elem_type_of(x); have && *have == onnx_type) return x;
  std::string out = ctx.fresh("cast");
  auto& n = ctx.add_node("Cast", {x}, {out});
  set_attr(n, "to", static_cast<int64_t>(onnx_type));
  return out;
}

std::string emit_unsqueeze(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& axes) {
  return emit(ctx, "Unsqueeze", {x, ctx.add_int64s(axes, "axes")}, "unsqueeze");
}

std::string emit_squeeze(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& axes) {
  return emit(ctx, "Squeeze", {x, ctx.add_int64s(axes, "axes")}, "squeeze");
}

std::string emit_reduce(ExportContext& ctx, const std::string& op, const std::string& x, const std::vector<int64_t>& axes,
                        bool keepdims, const std::string& out) {
  std::string name = out.empty() ? ctx.fresh(op) : out;
  bool axes_input = ctx.opset() >= 18 || op == "ReduceSum";
  std::vector<std::string> inputs{x};
  if (axes_input && !axes.empty()) inputs.push_back(ctx.add_int64s(axes, "axes"));
  auto& n = ctx.add_node(op, inputs, {name});
  if (!axes_input && !axes.empty()) set_attr(n, "axes", axes);
  set_attr(n, "keepdims", static_cast<int64_t>(keepdims));
  return name;
}

std::string emit_if(ExportContext& ctx, const std::string& cond, int32_t type, const std::function<std::string()>& then_value,
                    const std::function<std::string()>& else_value, const std::string& out) {
  onnx::GraphProto then_g, else_g;
  then_g.set_name(ctx.fresh("then"));
  else_g.set_name(ctx.fresh("else"));
  for (auto [g, value] : {std::pair{&then_g, &then_value}, std::pair{&else_g, &else_value}}) {
    ctx.push_graph(g);
    std::string v = (*value)();
    bool made_here = false;
    for (const auto& n : g->node())
      for (const auto& o : n.output()) made_here |= o == v;
    if (!made_here) v = emit(ctx, "Identity", {v}, "branch_out");
    ctx.pop_graph();
    auto* vi = g->add_output();
    vi->set_name(v);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(type);
  }
  auto& n = ctx.add_node("If", {cond}, {out});
  set_attr(n, "then_branch", then_g);
  set_attr(n, "else_branch", else_g);
  return out;
}

std::string emit_shape(ExportContext& ctx, const std::string& x) { return emit(ctx, "Shape", {x}, "shape_of"); }

void hint_known_dims(ExportContext& ctx, const std::string& name, std::vector<int64_t> dims, std::optional<int32_t> elem_type) {
  auto type = ctx.elem_type_of(name);
  if (!type) type = elem_type;
  if (!type) return;
  auto inferred = ctx.shape_of(name);
  if (inferred && inferred->size() != dims.size()) return;
  bool adds = !inferred;  // the rank alone is news
  for (size_t d = 0; d < dims.size(); ++d) {
    int64_t known = inferred ? (*inferred)[d] : -1;
    if (dims[d] < 0) dims[d] = known;
    adds = adds || (dims[d] >= 0 && known < 0);
  }
  if (adds) ctx.hint_shape(name, *type, dims, {});
}

void hint_rank(ExportContext& ctx, const std::string& name, int64_t rank, std::optional<int32_t> elem_type) {
  hint_known_dims(ctx, name, std::vector<int64_t>(static_cast<size_t>(rank), -1), elem_type);
}

std::string emit_reshape_like(ExportContext& ctx, const std::string& y, const std::string& like, const std::string& hint,
                              const std::string& out) {
  std::string name = emit(ctx, "Reshape", {y, emit_shape(ctx, like)}, hint, out);
  auto dims = ctx.shape_of(like);
  auto type = ctx.elem_type_of(y);
  if (dims && type) {
    std::vector<std::string> symbols(dims->size());  // unknown dims stay unnamed: the rank is what matters
    ctx.hint_shape(name, *type, *dims, symbols);
  }
  return name;
}

std::string emit_dim(ExportContext& ctx, const std::string& x, int64_t dim) {
  std::string shape = emit_shape(ctx, x);
  return emit(ctx, "Slice", {shape, ctx.add_int64s({dim}, "starts"), ctx.add_int64s({dim + 1}, "ends")}, "dim");
}

std::vector<int64_t> onnx_pads(const Node* node, const std::vector<int64_t>& torch_pads, int64_t rank) {
  if (torch_pads.size() % 2 != 0 || static_cast<int64_t>(torch_pads.size()) > 2 * rank) {
    unsupported(node, "a pad list that does not fit the tensor's rank");
  }
  std::vector<int64_t> begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < torch_pads.size() / 2; ++i) {
    size_t dim = static_cast<size_t>(rank) - 1 - i;
    begin[dim] = torch_pads[2 * i];
    end[dim] = torch_pads[2 * i + 1];
  }
  begin.insert(begin.end(), end.begin(), end.end());
  return begin;
}

std::vector<int64_t> symmetric_pads(const std::vector<int64_t>& p) {
  auto pads = p;
  pads.insert(pads.end(), p.begin(), p.end());
  return pads;
}

// ‖v‖_p over `axes` (p = 0: count of non-zeros; ±inf: max/min of |v|).
std::string emit_p_norm(ExportContext& ctx, const std::string& v, double p, const std::vector<int64_t>& axes, bool keepdims,
                        const std::string& out) {
  if (p == 2.0) return emit_reduce(ctx, "ReduceL2", v, axes, keepdims, out);
  if (p == 1.0) return emit_reduce(ctx, "ReduceL1", v, axes, keepdims, out);
  std::string abs = emit(ctx, "Abs", {v}, "abs");
  if (p == std::numeric_limits<double>::infinity()) return emit_reduce(ctx, "ReduceMax", abs, axes, keepdims, out);
  if (p == -std::numeric_limits<double>::infinity()) return emit_reduce(ctx, "ReduceMin", abs, axes, keepdims, out);
  if (p == 0.0) {
    std::string nz = emit_cast(ctx, emit(ctx, "Not", {emit(ctx, "Equal", {v, constant_like(ctx, 0, v, "zero")}, "is_zero")}, "nonzero"),
                               type_or_float(ctx, v));
    return emit_reduce(ctx, "ReduceSum", nz, axes, keepdims, out);
  }
  std::string pw = emit(ctx, "Pow", {abs, constant_like(ctx, p, v, "p")}, "pow");
  std::string s = emit_reduce(ctx, "ReduceSum", pw, axes, keepdims);
  return emit(ctx, "Pow", {s, constant_like(ctx, 1.0 / p, v, "inv_p")}, "norm", out);
}

Converter unary(const std::string& onnx_op) {
  return [onnx_op](ExportContext& ctx, const Node* node, const Args& a) {
    ctx.add_node(onnx_op, {a.tensor(0)}, {ctx.out(node->output(), onnx_op)});
  };
}

void alias(ExportContext& ctx, const Node* node) { ctx.alias_value(node->output(), node->input(0)); }

Converter identity() {
  return [](ExportContext& ctx, const Node* node, const Args&) { alias(ctx, node); };
}

}  // namespace kiln
