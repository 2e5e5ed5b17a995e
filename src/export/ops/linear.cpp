// Products: linear / addmm / baddbmm → Gemm or MatMul (+ Add); matmul, mm, bmm, mv, dot, outer,
// tensordot and einsum (Einsum); distances and similarities (cdist, pairwise_distance,
// cosine_similarity); cross products; determinants.
#include <algorithm>

#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"

namespace kiln {

namespace {

// linear(x, W, b): Gemm(x, W, b, transB=1) when x is a matrix, else MatMul(x, Wᵀ) + b.
void linear(ExportContext& ctx, const Node* node, const Args& a) {
  auto rank = ctx.rank_of(a.value(0));
  auto bias = a.opt_tensor(2);
  if (rank && *rank == 2) {
    std::vector<std::string> inputs{a.tensor(0), a.tensor(1)};
    if (bias) inputs.push_back(*bias);
    auto& n = ctx.add_node("Gemm", inputs, {ctx.out(node->output(), "gemm")});
    set_attr(n, "transB", 1);
    return;
  }
  std::string wt;
  if (auto w = ctx.const_tensor(a.value(1))) wt = ctx.add_initializer(w->t(), "weight_t");
  else wt = emit_transpose(ctx, a.tensor(1), {1, 0});
  if (!bias) {
    ctx.add_node("MatMul", {a.tensor(0), wt}, {ctx.out(node->output(), "matmul")});
    return;
  }
  std::string mm = emit(ctx, "MatMul", {a.tensor(0), wt}, "matmul");
  ctx.add_node("Add", {mm, *bias}, {ctx.out(node->output(), "linear")});
}

// addmm(bias, m1, m2, beta, alpha) = beta·bias + alpha·m1·m2
void addmm(ExportContext& ctx, const Node* node, const Args& a) {
  auto& n = ctx.add_node("Gemm", {a.tensor(1), a.tensor(2), a.tensor(0)}, {ctx.out(node->output(), "gemm")});
  set_attr(n, "beta", a.f(3));
  set_attr(n, "alpha", a.f(4));
}

// baddbmm(self, b1, b2, beta, alpha) = beta·self + alpha·(b1 @ b2)
void baddbmm(ExportContext& ctx, const Node* node, const Args& a) {
  std::string prod = emit(ctx, "MatMul", {a.tensor(1), a.tensor(2)}, "bmm");
  if (a.f(4) != 1.0) prod = emit(ctx, "Mul", {prod, constant_like(ctx, a.f(4), prod, "alpha")}, "alpha_bmm");
  std::string self = a.tensor(0);
  if (a.f(3) == 0.0) return ctx.bind(node->output(), prod);  // PyTorch ignores self (even NaN) when beta is 0
  if (a.f(3) != 1.0) self = emit(ctx, "Mul", {self, constant_like(ctx, a.f(3), self, "beta")}, "beta_self");
  ctx.add_node("Add", {self, prod}, {ctx.out(node->output(), "baddbmm")});
}

void matmul(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.add_node("MatMul", {a.tensor(0), a.tensor(1)}, {ctx.out(node->output(), "matmul")});
}

// outer(a, b) = a[:, None] · b[None, :]
void outer(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.add_node("Mul", {emit_unsqueeze(ctx, a.tensor(0), {1}), emit_unsqueeze(ctx, a.tensor(1), {0})},
               {ctx.out(node->output(), "outer")});
}

// einsum(equation, tensors, path)
void einsum(ExportContext& ctx, const Node* node, const Args& a) {
  std::string eq = a.s(0);
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  auto& n = ctx.add_node("Einsum", a.tensor_names(1), {ctx.out(node->output(), "einsum")});
  set_attr(n, "equation", eq);
}

// tensordot(a, b, dims_a, dims_b) as an Einsum: contracted dims share letters.
void tensordot(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t ra = rank_or_fail(ctx, node, a.value(0)), rb = rank_or_fail(ctx, node, a.value(1));
  auto da = a.ints(2), db = a.ints(3);
  if (da.size() != db.size()) unsupported(node, "dims of different lengths");
  if (ra + rb > 52) unsupported(node, "more than 52 dims");
  auto letter = [](int64_t i) { return static_cast<char>(i < 26 ? 'a' + i : 'A' + (i - 26)); };
  std::string la, lb, lo;
  std::vector<char> lettersb(static_cast<size_t>(rb), 0);
  for (int64_t i = 0; i < ra; ++i) la += letter(i);
  int64_t next = ra;
  for (size_t k = 0; k < da.size(); ++k) {
    int64_t ia = normalize_dim(node, da[k], ra), ib = normalize_dim(node, db[k], rb);
    lettersb[static_cast<size_t>(ib)] = la[static_cast<size_t>(ia)];
  }
  for (int64_t i = 0; i < rb; ++i) {
    if (!lettersb[static_cast<size_t>(i)]) lettersb[static_cast<size_t>(i)] = letter(next++);
    lb += lettersb[static_cast<size_t>(i)];
  }
  for (int64_t i = 0; i < ra; ++i) {
    bool contracted = false;
    for (auto d : da) contracted |= normalize_dim(node, d, ra) == i;
    if (!contracted) lo += la[static_cast<size_t>(i)];
  }
  for (int64_t i = 0; i < rb; ++i) {
    bool contracted = false;
    for (auto d : db) contracted |= normalize_dim(node, d, rb) == i;
    if (!contracted) lo += lb[static_cast<size_t>(i)];
  }
  auto& n = ctx.add_node("Einsum", {a.tensor(0), a.tensor(1)}, {ctx.out(node->output(), "tensordot")});
  set_attr(n, "equation", la + "," + lb + "->" + lo);
}

// cdist(x1 [.., P, M], x2 [.., R, M], p) → [.., P, R], from the pairwise differences.
void cdist(ExportContext& ctx, const Node* node, const Args& a) {
  std::string d = emit(ctx, "Sub", {emit_unsqueeze(ctx, a.tensor(0), {-2}), emit_unsqueeze(ctx, a.tensor(1), {-3})}, "diff");
  emit_p_norm(ctx, d, a.f(2), {-1}, false, ctx.out(node->output(), "cdist"));
}

// pairwise_distance(x1, x2, p, eps, keepdim) = ‖x1 − x2 + eps‖_p over the last dim
void pairwise_distance(ExportContext& ctx, const Node* node, const Args& a) {
  std::string d = emit(ctx, "Sub", {a.tensor(0), a.tensor(1)}, "diff");
  d = emit(ctx, "Add", {d, constant_like(ctx, a.f(3), d, "eps")}, "diff_eps");
  auto rank = ctx.rank_of(a.value(0));
  if (rank && *rank == 0) unsupported(node, "0-d inputs");
  emit_p_norm(ctx, d, a.f(2), {-1}, a.b(4), ctx.out(node->output(), "pairwise_distance"));
}

// cosine_similarity(x1, x2, dim, eps) = Σ (x1 / max(‖x1‖, eps)) · (x2 / max(‖x2‖, eps)) over dim
void cosine_similarity(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x1 = a.tensor(0), x2 = a.tensor(1);
  std::string x1b = emit(ctx, "Expand", {x1, emit_shape(ctx, x2)}, "x1");
  std::string x2b = emit(ctx, "Expand", {x2, emit_shape(ctx, x1b)}, "x2");
  x1b = emit(ctx, "Expand", {x1b, emit_shape(ctx, x2b)}, "x1");
  int64_t dim = a.i(2);
  std::string eps = constant_like(ctx, a.f(3), x1, "eps");
  auto unit = [&](const std::string& x) {
    std::string n = emit(ctx, "Max", {emit_reduce(ctx, "ReduceL2", x, {dim}, true), eps}, "norm");
    return emit(ctx, "Div", {x, n}, "unit");
  };
  std::string prod = emit(ctx, "Mul", {unit(x1b), unit(x2b)}, "prod");
  emit_reduce(ctx, "ReduceSum", prod, {dim}, false, ctx.out(node->output(), "cosine_similarity"));
}

// cross(a, b, dim) = a[[1,2,0]]·b[[2,0,1]] − a[[2,0,1]]·b[[1,2,0]] along dim
void cross_impl(ExportContext& ctx, const Node* node, const Args& a, std::optional<int64_t> dim_arg) {
  auto dims = ctx.dims_of(a.value(0));
  if (!dims) unsupported(node, "a tensor of unknown rank");
  int64_t rank = static_cast<int64_t>(dims->size());
  int64_t dim = -1;
  if (dim_arg) {
    dim = normalize_dim(node, *dim_arg, rank);
  } else {
    for (int64_t i = 0; i < rank; ++i)
      if ((*dims)[static_cast<size_t>(i)] == 3) {
        dim = i;
        break;
      }
    if (dim < 0) unsupported(node, "no dim of size 3");
  }
  std::string x = a.tensor(0), y = a.tensor(1);
  auto gather = [&](const std::string& t, std::vector<int64_t> idx) {
    auto& g = ctx.add_node("Gather", {t, ctx.add_int64s(idx, "cross_index")}, {ctx.fresh("rotated")});
    set_attr(g, "axis", dim);
    return g.output(0);
  };
  std::string p = emit(ctx, "Mul", {gather(x, {1, 2, 0}), gather(y, {2, 0, 1})}, "p");
  std::string q = emit(ctx, "Mul", {gather(x, {2, 0, 1}), gather(y, {1, 2, 0})}, "q");
  ctx.add_node("Sub", {p, q}, {ctx.out(node->output(), "cross")});
}
void cross(ExportContext& c, const Node* n, const Args& a) { cross_impl(c, n, a, a.opt_i(2)); }
void linalg_cross(ExportContext& c, const Node* n, const Args& a) { cross_impl(c, n, a, a.i(2)); }

void logdet(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.add_node("Log", {emit(ctx, "Det", {a.tensor(0)}, "det")}, {ctx.out(node->output(), "logdet")});
}

}  // namespace

void register_linear_ops(OpRegistry& r) {
  r.add("aten::linear", "v v v?", linear, "Gemm (2-D input) or MatMul + Add");
  r.add("aten::addmm", "v v v f f", addmm, "Gemm");
  r.add("aten::baddbmm", "v v v f f", baddbmm, "MatMul + Mul + Add");
  r.add("aten::matmul|aten::mm|aten::bmm|aten::mv|aten::dot", "v v", matmul, "MatMul");
  r.add("aten::outer|aten::ger", "v v", outer, "Unsqueeze + Mul");
  r.add("aten::einsum", "s vs _", einsum, "Einsum");
  r.add("aten::tensordot", "v v is is", tensordot, "Einsum");
  r.add("aten::cdist", "v v f i?", cdist, "Sub of the pairs + ReduceL2/ReduceL1/...");
  r.add("aten::pairwise_distance", "v v f f b", pairwise_distance, "Sub + Add(eps) + ReduceL2/...");
  r.add("aten::cosine_similarity", "v v i f", cosine_similarity, "ReduceL2 + Max(eps) + Div + Mul + ReduceSum");
  r.add("aten::cross", "v v i?", cross, "Gather + Mul + Sub");
  r.add("aten::linalg_cross", "v v i", linalg_cross, "Gather + Mul + Sub");
  r.add("aten::linalg_det|aten::det", "v", unary("Det"), "Det");
  r.add("aten::logdet", "v", logdet, "Log(Det)");
}

}  // namespace kiln
