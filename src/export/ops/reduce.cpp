// Reductions: sum / mean / prod, max / min / amax / amin / aminmax, all / any, argmax / argmin,
// std / var (every correction form) and their _mean pairs, logsumexp, count_nonzero, cumsum /
// cumprod, and the vector and matrix norms. Axes go as an attribute or an input by opset
// (emit_reduce). PyTorch's dtype rules: integer sums and products are int64, a dtype argument
// casts first.
#include <cmath>
#include <limits>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"

namespace kiln {

namespace {

std::vector<int64_t> dims_or_all(const std::optional<std::vector<int64_t>>& dims) { return dims.value_or(std::vector<int64_t>{}); }

// The input in the dtype asked for, or int64 for integer sums and products (PyTorch's rule).
std::string accumulate_input(ExportContext& ctx, const Node* node, const std::string& x, std::optional<at::ScalarType> dtype,
                             bool integer_to_int64) {
  if (dtype) return emit_cast(ctx, x, onnx_dtype_or_fail(node, *dtype));
  int32_t t = type_or_float(ctx, x);
  if (integer_to_int64 && !is_floating(t)) return emit_cast(ctx, x, onnx::TensorProto_DataType_INT64);
  return x;
}

// sum(x, dtype?) / sum.dim_IntList(x, dims?, keepdim, dtype?)
void sum_all(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = accumulate_input(ctx, node, a.tensor(0), a.dtype(1), true);
  emit_reduce(ctx, "ReduceSum", x, {}, false, ctx.out(node->output(), "sum"));
}
void sum_dims(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = accumulate_input(ctx, node, a.tensor(0), a.dtype(3), true);
  emit_reduce(ctx, "ReduceSum", x, dims_or_all(a.opt_ints(1)), a.b(2), ctx.out(node->output(), "sum"));
}
// mean(x, dtype?) / mean.dim(x, dims?, keepdim, dtype?)
void mean_all(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = accumulate_input(ctx, node, a.tensor(0), a.dtype(1), false);
  emit_reduce(ctx, "ReduceMean", x, {}, false, ctx.out(node->output(), "mean"));
}
void mean_dims(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = accumulate_input(ctx, node, a.tensor(0), a.dtype(3), false);
  emit_reduce(ctx, "ReduceMean", x, dims_or_all(a.opt_ints(1)), a.b(2), ctx.out(node->output(), "mean"));
}
// prod(x, dtype?) / prod.dim_int(x, dim, keepdim, dtype?)
void prod_all(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = accumulate_input(ctx, node, a.tensor(0), a.dtype(1), true);
  emit_reduce(ctx, "ReduceProd", x, {}, false, ctx.out(node->output(), "prod"));
}
void prod_dim(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = accumulate_input(ctx, node, a.tensor(0), a.dtype(3), true);
  emit_reduce(ctx, "ReduceProd", x, {a.i(1)}, a.b(2), ctx.out(node->output(), "prod"));
}

// ReduceMax / ReduceMin on bools (not in ONNX before opset 20): through uint8.
std::string reduce_extreme(ExportContext& ctx, const char* op, const std::string& x, const std::vector<int64_t>& axes,
                           bool keepdims, const std::string& out) {
  if (type_or_float(ctx, x) != onnx::TensorProto_DataType_BOOL) return emit_reduce(ctx, op, x, axes, keepdims, out);
  std::string r = emit_reduce(ctx, op, emit_cast(ctx, x, onnx::TensorProto_DataType_INT32), axes, keepdims);
  auto& c = ctx.add_node("Cast", {r}, {out});
  set_attr(c, "to", static_cast<int64_t>(onnx::TensorProto_DataType_BOOL));
  return out;
}

// max(x) / min(x) over everything; amax / amin(x, dims, keepdim) (empty dims: everything)
Converter extreme_all(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    reduce_extreme(ctx, op, a.tensor(0), {}, false, ctx.out(node->output(), op));
  };
}
Converter extreme_dims(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    reduce_extreme(ctx, op, a.tensor(0), a.ints(1), a.b(2), ctx.out(node->output(), op));
  };
}
// max.dim / min.dim(x, dim, keepdim) → (values, indices)
Converter extreme_dim(const char* op, const char* arg_op) {
  return [op, arg_op](ExportContext& ctx, const Node* node, const Args& a) {
    std::string x = a.tensor(0);
    int64_t rank = rank_or_fail(ctx, node, a.value(0));
    int64_t dim = normalize_dim(node, a.i(1), rank);
    bool keep = a.b(2);
    reduce_extreme(ctx, op, x, {dim}, keep, ctx.out(node->output(0), op));
    std::string xi = type_or_float(ctx, x) == onnx::TensorProto_DataType_BOOL ? emit_cast(ctx, x, onnx::TensorProto_DataType_INT32) : x;
    auto& n = ctx.add_node(arg_op, {xi}, {ctx.out(node->output(1), arg_op)});
    set_attr(n, "axis", dim);
    set_attr(n, "keepdims", static_cast<int64_t>(keep));
  };
}
// max.other / min.other / maximum / minimum(x, y): elementwise, in the promoted type
Converter extreme_binary(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    int32_t t = result_type(ctx, node);
    std::string x = operand(ctx, a.value(0), t), y = operand(ctx, a.value(1), t);
    if (t == onnx::TensorProto_DataType_BOOL) {  // Max/Min of bools: Or/And
      ctx.add_node(std::string(op) == "Max" ? "Or" : "And", {x, y}, {ctx.out(node->output(), op)});
      return;
    }
    ctx.add_node(op, {x, y}, {ctx.out(node->output(), op)});
  };
}
// fmax / fmin: like maximum / minimum, but a NaN loses to a number
Converter nan_ignoring(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    int32_t t = result_type(ctx, node);
    std::string x = operand(ctx, a.value(0), t), y = operand(ctx, a.value(1), t);
    if (!is_floating(t)) {
      ctx.add_node(op, {x, y}, {ctx.out(node->output(), op)});
      return;
    }
    std::string m = emit(ctx, op, {x, y}, op);
    std::string ym = emit(ctx, "Where", {emit(ctx, "IsNaN", {x}, "x_nan"), y, m}, "x_nan_takes_y");
    ctx.add_node("Where", {emit(ctx, "IsNaN", {y}, "y_nan"), x, ym}, {ctx.out(node->output(), op)});
  };
}

// aminmax(x, dim?, keepdim) → (min, max)
void aminmax(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  std::vector<int64_t> axes;
  if (auto d = a.opt_i(1)) axes = {*d};
  bool keep = a.b(2);
  reduce_extreme(ctx, "ReduceMin", x, axes, keep, ctx.out(node->output(0), "min"));
  reduce_extreme(ctx, "ReduceMax", x, axes, keep, ctx.out(node->output(1), "max"));
}

// all / any: bools through int32 min / max.
void all_any(ExportContext& ctx, const Node* node, const std::string& x, const std::vector<int64_t>& axes, bool keep, bool all) {
  std::string b = emit_cast(ctx, emit_cast(ctx, x, onnx::TensorProto_DataType_BOOL), onnx::TensorProto_DataType_INT32);
  std::string r = emit_reduce(ctx, all ? "ReduceMin" : "ReduceMax", b, axes, keep);
  auto& c = ctx.add_node("Cast", {r}, {ctx.out(node->output(), all ? "all" : "any")});
  set_attr(c, "to", static_cast<int64_t>(onnx::TensorProto_DataType_BOOL));
}
Converter all_any_all(bool all) {
  return [all](ExportContext& c, const Node* n, const Args& a) { all_any(c, n, a.tensor(0), {}, false, all); };
}
Converter all_any_dim(bool all) {
  return [all](ExportContext& c, const Node* n, const Args& a) { all_any(c, n, a.tensor(0), {a.i(1)}, a.b(2), all); };
}
Converter all_any_dims(bool all) {
  return [all](ExportContext& c, const Node* n, const Args& a) {
    all_any(c, n, a.tensor(0), dims_or_all(a.opt_ints(1)), a.b(2), all);
  };
}

// argmax / argmin(x, dim?, keepdim): over the flattened tensor without a dim.
Converter arg_reduce(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    std::string x = a.tensor(0);
    if (type_or_float(ctx, x) == onnx::TensorProto_DataType_BOOL) x = emit_cast(ctx, x, onnx::TensorProto_DataType_INT32);
    bool keep = a.b(2);
    int64_t axis = 0;
    auto dim = a.opt_i(1);
    int64_t rank = rank_or_fail(ctx, node, a.value(0));
    if (!dim) {
      x = emit(ctx, "Reshape", {x, ctx.add_int64s({-1}, "shape")}, "flat");
      if (keep) {  // keepdim without a dim: every dim kept as 1
        std::string r = ctx.fresh(op);
        auto& n = ctx.add_node(op, {x}, {r});
        set_attr(n, "axis", int64_t{0});
        set_attr(n, "keepdims", int64_t{0});
        ctx.add_node("Reshape", {r, ctx.add_int64s(std::vector<int64_t>(static_cast<size_t>(rank), 1), "ones")},
                     {ctx.out(node->output(), op)});
        return;
      }
    } else {
      axis = normalize_dim(node, *dim, rank);
    }
    auto& n = ctx.add_node(op, {x}, {ctx.out(node->output(), op)});
    set_attr(n, "axis", axis);
    set_attr(n, "keepdims", static_cast<int64_t>(keep && dim.has_value()));
  };
}

// The number of elements reduced over `axes` (all when empty), as a float scalar like `x`.
std::string reduced_count(ExportContext& ctx, const std::string& x, const std::string& reduced_keepdims) {
  std::string n = emit(ctx, "Div", {emit(ctx, "Size", {x}, "size"), emit(ctx, "Size", {reduced_keepdims}, "size")}, "count");
  return emit_cast(ctx, n, type_or_float(ctx, x));
}

// var(x, dims, correction, keepdim) = Σ(x − mean)² / (N − correction); with the mean too.
void variance(ExportContext& ctx, const Node* node, const std::string& x_in, const std::vector<int64_t>& axes,
              double correction, bool keep, bool std_dev, bool with_mean) {
  std::string x = is_floating(type_or_float(ctx, x_in)) ? x_in : emit_cast(ctx, x_in, onnx::TensorProto_DataType_FLOAT);
  std::string mean = emit_reduce(ctx, "ReduceMean", x, axes, true);
  std::string d = emit(ctx, "Sub", {x, mean}, "centered");
  std::string ss = emit_reduce(ctx, "ReduceSum", emit(ctx, "Mul", {d, d}, "sq"), axes, keep);
  std::string n = reduced_count(ctx, x, mean);
  std::string denom = emit(ctx, "Sub", {n, constant_like(ctx, correction, x, "correction")}, "dof");
  std::string out0 = ctx.out(node->output(0), std_dev ? "std" : "var");
  if (std_dev) emit(ctx, "Sqrt", {emit(ctx, "Div", {ss, denom}, "var")}, "std", out0);
  else emit(ctx, "Div", {ss, denom}, "var", out0);
  if (with_mean) {
    if (keep) ctx.bind(node->output(1), mean);
    else emit_reduce(ctx, "ReduceMean", x, axes, false, ctx.out(node->output(1), "mean"));
  }
}
// var(x, unbiased) / var.dim(x, dims?, unbiased, keepdim) / var.correction(x, dims?, correction?, keepdim)
Converter var_unbiased(bool std_dev, bool with_mean) {
  return [std_dev, with_mean](ExportContext& c, const Node* n, const Args& a) {
    variance(c, n, a.tensor(0), {}, a.b(1) ? 1 : 0, false, std_dev, with_mean);
  };
}
Converter var_dim(bool std_dev, bool with_mean) {
  return [std_dev, with_mean](ExportContext& c, const Node* n, const Args& a) {
    variance(c, n, a.tensor(0), dims_or_all(a.opt_ints(1)), a.b(2) ? 1 : 0, a.b(3), std_dev, with_mean);
  };
}
Converter var_correction(bool std_dev, bool with_mean) {
  return [std_dev, with_mean](ExportContext& c, const Node* n, const Args& a) {
    variance(c, n, a.tensor(0), dims_or_all(a.opt_ints(1)), a.opt_f(2).value_or(1.0), a.b(3), std_dev, with_mean);
  };
}

// logsumexp(x, dims, keepdim): ReduceLogSumExp (integers in float)
void logsumexp(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (!is_floating(type_or_float(ctx, x))) x = emit_cast(ctx, x, onnx::TensorProto_DataType_FLOAT);
  // max-shifted, as LibTorch computes it: exact for large inputs where exp would overflow
  std::string m = emit_reduce(ctx, "ReduceMax", x, a.ints(1), true);
  std::string finite = emit(ctx, "Where", {emit(ctx, "IsInf", {m}, "isinf"), constant_like(ctx, 0, x, "zero"), m}, "shift");
  std::string e = emit(ctx, "Exp", {emit(ctx, "Sub", {x, finite}, "shifted")}, "exp");
  std::string s = emit(ctx, "Log", {emit_reduce(ctx, "ReduceSum", e, a.ints(1), a.b(2))}, "log");
  std::string shift = finite;
  if (!a.b(2)) {
    shift = a.ints(1).empty() ? emit(ctx, "Reshape", {finite, ctx.add_int64s({}, "scalar")}, "shift")
                              : emit_squeeze(ctx, finite, a.ints(1));
  }
  ctx.add_node("Add", {s, shift}, {ctx.out(node->output(), "logsumexp")});
}

// count_nonzero(x, dim?) / count_nonzero.dim_IntList(x, dims)
std::string nonzero_mask(ExportContext& ctx, const std::string& x) {
  std::string b = emit_cast(ctx, x, onnx::TensorProto_DataType_BOOL);
  return emit_cast(ctx, b, onnx::TensorProto_DataType_INT64);
}
void count_nonzero(ExportContext& ctx, const Node* node, const Args& a) {
  std::vector<int64_t> axes;
  if (auto d = a.opt_i(1)) axes = {*d};
  emit_reduce(ctx, "ReduceSum", nonzero_mask(ctx, a.tensor(0)), axes, false, ctx.out(node->output(), "count_nonzero"));
}
void count_nonzero_dims(ExportContext& ctx, const Node* node, const Args& a) {
  emit_reduce(ctx, "ReduceSum", nonzero_mask(ctx, a.tensor(0)), a.ints(1), false, ctx.out(node->output(), "count_nonzero"));
}

// cumsum(x, dim, dtype?): integers accumulate in int64
void cumsum(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  std::string x = accumulate_input(ctx, node, a.tensor(0), a.dtype(2), true);
  if (rank == 0) return ctx.bind(node->output(), x);
  ctx.add_node("CumSum", {x, ctx.add_int64s({normalize_dim(node, a.i(1), rank)}, "axis", true)}, {ctx.out(node->output(), "cumsum")});
}

// cumprod(x, dim, dtype?): |x| through exp(cumsum(log|x|)), the sign from the running count of
// negatives, and zero from the first zero on.
void cumprod(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  std::string x = a.tensor(0);
  if (auto d = a.dtype(2)) x = emit_cast(ctx, x, onnx_dtype_or_fail(node, *d));
  int32_t out_type = type_or_float(ctx, x);
  if (!is_floating(out_type)) out_type = onnx::TensorProto_DataType_INT64;
  std::string f = is_floating(type_or_float(ctx, x)) ? x : emit_cast(ctx, x, onnx::TensorProto_DataType_DOUBLE);
  if (rank == 0) return ctx.bind(node->output(), emit_cast(ctx, x, out_type));
  std::string axis = ctx.add_int64s({normalize_dim(node, a.i(1), rank)}, "axis", true);
  std::string zero = constant_like(ctx, 0, f, "zero");
  std::string is_zero = emit(ctx, "Equal", {f, zero}, "is_zero");
  std::string abs = emit(ctx, "Where", {is_zero, constant_like(ctx, 1, f, "one"), emit(ctx, "Abs", {f}, "abs")}, "abs_nz");
  std::string mag = emit(ctx, "Exp", {emit(ctx, "CumSum", {emit(ctx, "Log", {abs}, "log"), axis}, "cum_log")}, "magnitude");
  std::string neg = emit_cast(ctx, emit(ctx, "Less", {f, zero}, "negative"), type_or_float(ctx, f));
  std::string negs = emit(ctx, "CumSum", {neg, axis}, "negatives");
  std::string two = constant_like(ctx, 2, f, "two");
  std::string odd = emit(ctx, "Sub", {negs, emit(ctx, "Mul", {emit(ctx, "Floor", {emit(ctx, "Div", {negs, two}, "half")}, "floor"), two}, "even")}, "odd");
  std::string sign = emit(ctx, "Sub", {constant_like(ctx, 1, f, "one"), emit(ctx, "Mul", {odd, two}, "twice")}, "sign");
  std::string zeros = emit(ctx, "CumSum", {emit_cast(ctx, is_zero, type_or_float(ctx, f)), axis}, "zeros_seen");
  std::string alive = emit(ctx, "Equal", {zeros, zero}, "alive");
  std::string y = emit(ctx, "Where", {alive, emit(ctx, "Mul", {mag, sign}, "signed"), zero}, "cumprod");
  if (out_type != type_or_float(ctx, y)) {
    if (!is_floating(out_type)) y = emit(ctx, "Round", {y}, "round");
    y = emit_cast(ctx, y, out_type);
  }
  ctx.bind(node->output(), y);
}

// norm.Scalar(x, p) / norm.ScalarOpt_dim(x, p?, dims, keepdim[, dtype]) / norm.ScalarOpt_dtype(x, p?, dtype)
void norm_all(ExportContext& ctx, const Node* node, const Args& a) {
  emit_p_norm(ctx, a.tensor(0), a.f(1), {}, false, ctx.out(node->output(), "norm"));
}
void norm_dims(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (auto dtype = a.size() > 4 ? a.dtype(4) : std::nullopt) x = emit_cast(ctx, x, onnx_dtype_or_fail(node, *dtype));
  emit_p_norm(ctx, x, a.opt_f(1).value_or(2.0), a.ints(2), a.b(3), ctx.out(node->output(), "norm"));
}
void norm_dtype(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (auto dtype = a.dtype(2)) x = emit_cast(ctx, x, onnx_dtype_or_fail(node, *dtype));
  emit_p_norm(ctx, x, a.opt_f(1).value_or(2.0), {}, false, ctx.out(node->output(), "norm"));
}

// linalg_vector_norm(x, ord, dims?, keepdim, dtype?)
void vector_norm(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (auto d = a.dtype(4)) x = emit_cast(ctx, x, onnx_dtype_or_fail(node, *d));
  emit_p_norm(ctx, x, a.f(1), dims_or_all(a.opt_ints(2)), a.b(3), ctx.out(node->output(), "vector_norm"));
}

// A matrix norm over two dims: 'fro', ±1 (max/min column sum), ±inf (max/min row sum).
void matrix_norm(ExportContext& ctx, const Node* node, const std::string& x, const c10::IValue& ord, std::vector<int64_t> dims,
                 bool keep, const std::string& out) {
  int64_t rank = rank_or_fail(ctx, node, node->input(0));
  if (dims.size() != 2) unsupported(node, "a matrix norm over other than two dims");
  for (auto& d : dims) d = normalize_dim(node, d, rank);
  if (ord.isString()) {
    if (ord.toStringRef() != "fro") unsupported(node, "ord='" + ord.toStringRef() + "' (needs singular values)");
    emit_reduce(ctx, "ReduceL2", x, dims, keep, out);
    return;
  }
  double p = ord.isInt() ? static_cast<double>(ord.toInt()) : ord.toDouble();
  bool inf = std::isinf(p);
  if (!inf && std::abs(p) != 1.0) unsupported(node, "ord=±2 (needs singular values)");
  // ±1: Σ over rows (dims[0]) then max/min over columns; ±inf: the other way round.
  int64_t sum_dim = inf ? dims[1] : dims[0], ext_dim = inf ? dims[0] : dims[1];
  std::string s = emit_reduce(ctx, "ReduceSum", emit(ctx, "Abs", {x}, "abs"), {sum_dim}, true);
  std::string e = emit_reduce(ctx, p > 0 ? "ReduceMax" : "ReduceMin", s, {ext_dim}, true);
  if (keep) {
    emit(ctx, "Identity", {e}, "norm", out);
    return;
  }
  emit(ctx, "Squeeze", {e, ctx.add_int64s(dims, "axes")}, "norm", out);
}
void linalg_matrix_norm(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (auto d = a.dtype(4)) x = emit_cast(ctx, x, onnx_dtype_or_fail(node, *d));
  matrix_norm(ctx, node, x, ctx.constant(a.value(1)), a.ints(2), a.b(3), ctx.out(node->output(), "matrix_norm"));
}
void frobenius_norm(ExportContext& ctx, const Node* node, const Args& a) {
  emit_reduce(ctx, "ReduceL2", a.tensor(0), a.ints(1), a.b(2), ctx.out(node->output(), "frobenius_norm"));
}
// linalg_norm(x, ord?, dims?, keepdim, dtype?): a vector norm over one dim (or everything), a
// matrix norm over two.
void linalg_norm(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (auto d = a.dtype(4)) x = emit_cast(ctx, x, onnx_dtype_or_fail(node, *d));
  auto dims = a.opt_ints(2);
  bool keep = a.b(3);
  bool has_ord = !a.is_none(1);
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  bool matrix = dims ? dims->size() == 2 : (has_ord && rank == 2);
  if (matrix) {
    std::vector<int64_t> md = dims ? *dims : std::vector<int64_t>{0, 1};
    c10::IValue ord = has_ord ? ctx.constant(a.value(1)) : c10::IValue(std::string("fro"));
    if (ord.isInt()) ord = c10::IValue(static_cast<double>(ord.toInt()));
    return matrix_norm(ctx, node, x, ord, md, keep, ctx.out(node->output(), "norm"));
  }
  double p = 2.0;
  if (has_ord) {
    auto ord = ctx.constant(a.value(1));
    if (ord.isString()) unsupported(node, "a string ord for a vector norm");
    p = ord.isInt() ? static_cast<double>(ord.toInt()) : ord.toDouble();
  }
  emit_p_norm(ctx, x, p, dims_or_all(dims), keep, ctx.out(node->output(), "norm"));
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  r.add("aten::sum", "v t?", sum_all, "ReduceSum (integers as int64)");
  r.add("aten::sum.dim_IntList", "v is? b t?", sum_dims, "ReduceSum (integers as int64)");
  r.add("aten::mean", "v t?", mean_all, "ReduceMean");
  r.add("aten::mean.dim", "v is? b t?", mean_dims, "ReduceMean");
  r.add("aten::prod", "v t?", prod_all, "ReduceProd (integers as int64)");
  r.add("aten::prod.dim_int", "v i b t?", prod_dim, "ReduceProd (integers as int64)");
  r.add("aten::max", "v", extreme_all("ReduceMax"), "ReduceMax");
  r.add("aten::min", "v", extreme_all("ReduceMin"), "ReduceMin");
  r.add("aten::max.dim", "v i b", extreme_dim("ReduceMax", "ArgMax"), "ReduceMax + ArgMax");
  r.add("aten::min.dim", "v i b", extreme_dim("ReduceMin", "ArgMin"), "ReduceMin + ArgMin");
  r.add("aten::max.other|aten::maximum", "v v", extreme_binary("Max"), "Max");
  r.add("aten::min.other|aten::minimum", "v v", extreme_binary("Min"), "Min");
  r.add("aten::fmax", "v v", nan_ignoring("Max"), "Max, the other operand where one is NaN");
  r.add("aten::fmin", "v v", nan_ignoring("Min"), "Min, the other operand where one is NaN");
  r.add("aten::amax", "v is b", extreme_dims("ReduceMax"), "ReduceMax");
  r.add("aten::amin", "v is b", extreme_dims("ReduceMin"), "ReduceMin");
  r.add("aten::aminmax", "v i? b", aminmax, "ReduceMin + ReduceMax");
  r.add("aten::all", "v", all_any_all(true), "Cast + ReduceMin");
  r.add("aten::all.dim", "v i b", all_any_dim(true), "Cast + ReduceMin");
  r.add("aten::all.dims", "v is? b", all_any_dims(true), "Cast + ReduceMin");
  r.add("aten::any", "v", all_any_all(false), "Cast + ReduceMax");
  r.add("aten::any.dim", "v i b", all_any_dim(false), "Cast + ReduceMax");
  r.add("aten::any.dims", "v is? b", all_any_dims(false), "Cast + ReduceMax");
  r.add("aten::argmax", "v i? b", arg_reduce("ArgMax"), "ArgMax");
  r.add("aten::argmin", "v i? b", arg_reduce("ArgMin"), "ArgMin");
  r.add("aten::var", "v b", var_unbiased(false, false), "ReduceMean/Sub/Mul/ReduceSum/Div");
  r.add("aten::var.dim", "v is? b b", var_dim(false, false), "ReduceMean/Sub/Mul/ReduceSum/Div");
  r.add("aten::var.correction", "v is? f? b", var_correction(false, false), "ReduceMean/Sub/Mul/ReduceSum/Div");
  r.add("aten::std", "v b", var_unbiased(true, false), "ReduceMean/Sub/Mul/ReduceSum/Div/Sqrt");
  r.add("aten::std.dim", "v is? b b", var_dim(true, false), "ReduceMean/Sub/Mul/ReduceSum/Div/Sqrt");
  r.add("aten::std.correction", "v is? f? b", var_correction(true, false), "ReduceMean/Sub/Mul/ReduceSum/Div/Sqrt");
  r.add("aten::var_mean", "v b", var_unbiased(false, true), "variance and ReduceMean");
  r.add("aten::var_mean.dim", "v is? b b", var_dim(false, true), "variance and ReduceMean");
  r.add("aten::var_mean.correction", "v is? f? b", var_correction(false, true), "variance and ReduceMean");
  r.add("aten::std_mean", "v b", var_unbiased(true, true), "standard deviation and ReduceMean");
  r.add("aten::std_mean.dim", "v is? b b", var_dim(true, true), "standard deviation and ReduceMean");
  r.add("aten::std_mean.correction", "v is? f? b", var_correction(true, true), "standard deviation and ReduceMean");
  r.add("aten::logsumexp", "v is b", logsumexp, "ReduceMax + Sub + Exp + ReduceSum + Log + Add");
  r.add("aten::count_nonzero", "v i?", count_nonzero, "Cast + ReduceSum");
  r.add("aten::count_nonzero.dim_IntList", "v is", count_nonzero_dims, "Cast + ReduceSum");
  r.add("aten::cumsum|aten::cumsum_", "v i t?", cumsum, "CumSum");
  r.add("aten::cumprod|aten::cumprod_", "v i t?", cumprod, "Exp(CumSum(Log|x|)) with sign and zero tracking");
  r.add("aten::norm.Scalar", "v f", norm_all, "ReduceL2 / ReduceL1 / ...");
  r.add("aten::norm.ScalarOpt_dim", "v f? is b", norm_dims, "ReduceL2 / ReduceL1 / ...");
  r.add("aten::norm.ScalarOpt_dim_dtype", "v f? is b t?", norm_dims, "Cast + ReduceL2 / ReduceL1 / ...");
  r.add("aten::norm.ScalarOpt_dtype", "v f? t?", norm_dtype, "Cast + ReduceL2 / ...");
  r.add("aten::linalg_vector_norm", "v f is? b t?", vector_norm, "ReduceL2 / ReduceL1 / ReduceMax(Abs) / ...");
  r.add("aten::linalg_matrix_norm|aten::linalg_matrix_norm.str_ord", "v any is b t?", linalg_matrix_norm,
        "ReduceL2 (fro) or ReduceSum(Abs) + ReduceMax/Min (±1, ±inf)");
  r.add("aten::frobenius_norm.dim", "v is b", frobenius_norm, "ReduceL2");
  r.add("aten::linalg_norm|aten::linalg_norm.ord_str", "v any is? b t?", linalg_norm, "vector or matrix norm");
}

}  // namespace kiln
