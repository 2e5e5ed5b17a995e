// Signal processing on complex values carried as real pairs (a trailing dim of 2, the layout of
// view_as_real and of ONNX's DFT/STFT): stft → STFT (opset 17), fft_fft / ifft / rfft / irfft and
// their 2-D and n-D forms → DFT, fftshift / ifftshift, view_as_real / view_as_complex, real / imag,
// abs / angle / conj of complex tensors, complex / polar, and +, −, ×, ÷ with a complex operand.
#include <cmath>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

constexpr OpOptions kComplex{.since = 17, .complex = true};
constexpr OpOptions kComplexAnyOpset{.complex = true};

std::string mark(ExportContext& ctx, const std::string& name) {
  ctx.mark_complex(name);
  return name;
}

// The rank of a tensor as PyTorch sees it (a complex pair's trailing dim not counted).
int64_t logical_rank(ExportContext& ctx, const Node* node, const Value* v) {
  int64_t r = rank_or_fail(ctx, node, v);
  return ctx.is_complex(v) ? r - 1 : r;
}

// x as a DFT input: a complex pair as is, a real tensor with a trailing dim of 1 (in float).
std::string dft_input(ExportContext& ctx, const Value* v) {
  std::string x = ctx.in(v);
  if (ctx.is_complex(v)) return x;
  if (!is_floating(type_or_float(ctx, x))) x = emit_cast(ctx, x, onnx::TensorProto_DataType_FLOAT);
  return emit_unsqueeze(ctx, x, {-1});
}

// One DFT along `axis` (counted without the pair dim); `length` "" for the dim's own size.
std::string emit_dft(ExportContext& ctx, const std::string& x, int64_t axis, bool inverse, bool onesided, const std::string& length) {
  std::string out = ctx.fresh(inverse ? "idft" : "dft");
  std::vector<std::string> inputs{x, length};
  if (ctx.opset() >= 20) inputs.push_back(ctx.add_int64s({axis}, "axis", true));
  while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();
  auto& n = ctx.add_node("DFT", inputs, {out});
  if (ctx.opset() < 20) set_attr(n, "axis", axis);
  if (inverse) set_attr(n, "inverse", int64_t{1});
  if (onesided) set_attr(n, "onesided", int64_t{1});
  return out;
}

// The signal length along `axis` as a float scalar (static when known), for normalization.
std::string length_as_float(ExportContext& ctx, const std::string& x, int64_t axis, std::optional<int64_t> n, const std::string& like) {
  if (n) return constant_like(ctx, static_cast<double>(*n), like, "n");
  if (auto shape = ctx.shape_of(x); shape && axis < static_cast<int64_t>(shape->size()) && (*shape)[static_cast<size_t>(axis)] >= 0) {
    return constant_like(ctx, static_cast<double>((*shape)[static_cast<size_t>(axis)]), like, "n");
  }
  std::string d = emit(ctx, "Squeeze", {emit_dim(ctx, x, axis), ctx.add_int64s({0}, "axes")}, "n");
  return emit_cast(ctx, d, type_or_float(ctx, like));
}

// PyTorch's norm: "backward" (1/n on the inverse, ONNX's own), "ortho" (1/√n both ways),
// "forward" (1/n on the forward). `n_value` is the transform length as a float scalar.
std::string apply_norm(ExportContext& ctx, const Node* node, const std::string& y, const std::optional<std::string>& norm, bool inverse,
                       const std::string& n_value) {
  std::string mode = norm.value_or("backward");
  if (mode == "backward") return inverse ? y : y;
  if (mode == "ortho") {
    std::string root = emit(ctx, "Sqrt", {n_value}, "sqrt_n");
    return emit(ctx, inverse ? "Mul" : "Div", {y, root}, "ortho");
  }
  if (mode == "forward") return emit(ctx, inverse ? "Mul" : "Div", {y, n_value}, "forward_norm");
  unsupported(node, "norm='" + mode + "'");
}

// fft_fft / fft_ifft / fft_rfft(x, n?, dim, norm?)
Converter fft_1d(bool inverse, bool onesided) {
  return [inverse, onesided](ExportContext& ctx, const Node* node, const Args& a) {
    if (onesided && ctx.is_complex(a.value(0))) unsupported(node, "rfft of a complex tensor");
    int64_t rank = logical_rank(ctx, node, a.value(0));
    int64_t dim = normalize_dim(node, a.i(2), rank);
    std::string x = dft_input(ctx, a.value(0));
    std::optional<int64_t> n;
    std::string length;
    if (!a.is_none(1)) {
      if (!a.int_is_static(1)) unsupported(node, "a transform length computed at run time");
      n = a.i(1);
      length = ctx.add_int64s({*n}, "dft_length", true);
    }
    std::string y = emit_dft(ctx, x, dim, inverse, onesided, length);
    std::string nv = length_as_float(ctx, x, dim, n, y);
    ctx.bind(node->output(), mark(ctx, apply_norm(ctx, node, y, a.opt_s(3), inverse, nv)));
  };
}

// fft_irfft(X, n?, dim, norm?): the full spectrum rebuilt from the one-sided half (bins k ≥ m
// are conj(X[n − k])), an inverse complex DFT, the real part.
std::string irfft_along(ExportContext& ctx, const Node* node, const std::string& x, int64_t dim, std::optional<int64_t> n_arg,
                        const std::optional<std::string>& norm) {
  auto shape = ctx.shape_of(x);
  if (!shape || (*shape)[static_cast<size_t>(dim)] < 0) unsupported(node, "irfft along a dim of run-time size");
  int64_t m = (*shape)[static_cast<size_t>(dim)];
  int64_t n = n_arg.value_or(2 * (m - 1));
  // Bin k of the n-point spectrum: X[k] for k ≤ n/2, conj(X[n − k]) above; bins past the input
  // are 0 (LibTorch pads or trims the input to n/2 + 1 bins).
  std::vector<int64_t> index;
  auto mask = at::zeros({n, 2}, at::kFloat);
  for (int64_t k = 0; k < n; ++k) {
    bool mirrored = k > n / 2;
    int64_t src = mirrored ? n - k : k;
    bool valid = src < m;
    index.push_back(valid ? src : 0);
    if (valid) {
      mask[k][0] = 1.0f;
      mask[k][1] = mirrored ? -1.0f : 1.0f;
    }
  }
  auto& g = ctx.add_node("Gather", {x, ctx.add_int64s(index, "spectrum_index")}, {ctx.fresh("full")});
  set_attr(g, "axis", dim);
  std::vector<int64_t> view(shape->size(), 1);
  view[static_cast<size_t>(dim)] = n;
  view.back() = 2;
  auto conj = mask;
  std::string full = emit(ctx, "Mul", {g.output(0), ctx.add_initializer(conj.reshape(view).to(torch_dtype(type_or_float(ctx, x)).value_or(at::kFloat)), "conj_mask")},
                          "hermitian");
  std::string y = emit_dft(ctx, full, dim, /*inverse=*/true, false, "");
  auto& re = ctx.add_node("Gather", {y, ctx.add_int64s({0}, "real", true)}, {ctx.fresh("real")});
  set_attr(re, "axis", int64_t{-1});
  return apply_norm(ctx, node, re.output(0), norm, true, constant_like(ctx, static_cast<double>(n), x, "n"));
}

void fft_irfft(ExportContext& ctx, const Node* node, const Args& a) {
  if (!ctx.is_complex(a.value(0))) unsupported(node, "irfft of a real tensor");
  int64_t rank = logical_rank(ctx, node, a.value(0));
  int64_t dim = normalize_dim(node, a.i(2), rank);
  std::optional<int64_t> n;
  if (!a.is_none(1)) n = a.i(1);
  ctx.bind(node->output(), irfft_along(ctx, node, ctx.in(a.value(0)), dim, n, a.opt_s(3)));
}

// fft2 / fftn / ifftn / rfft2 / rfftn(x, s?, dims?, norm?): one DFT per dim (the last one-sided
// for rfft); s (static) pads or trims each transformed dim to its length (DFT's dft_length), -1
// keeping the dim's own; s without dims transforms the last len(s) dims.
Converter fft_nd(bool inverse, bool onesided, bool two_d) {
  return [inverse, onesided, two_d](ExportContext& ctx, const Node* node, const Args& a) {
    int64_t rank = logical_rank(ctx, node, a.value(0));
    std::optional<std::vector<int64_t>> sizes;
    if (!a.is_none(1)) sizes = a.ints(1);
    std::vector<int64_t> dims;
    if (two_d) dims = a.ints(2);
    else if (auto d = a.opt_ints(2)) dims = *d;
    else if (sizes)
      for (int64_t i = rank - static_cast<int64_t>(sizes->size()); i < rank; ++i) dims.push_back(i);
    else
      for (int64_t i = 0; i < rank; ++i) dims.push_back(i);
    if (sizes && sizes->size() != dims.size()) unsupported(node, "s and dim of different lengths");
    for (auto& d : dims) d = normalize_dim(node, d, rank);
    std::vector<std::optional<int64_t>> lengths(dims.size());
    if (sizes)
      for (size_t i = 0; i < dims.size(); ++i)
        if ((*sizes)[i] != -1) lengths[i] = (*sizes)[i];
    if (onesided && ctx.is_complex(a.value(0))) unsupported(node, "rfftn of a complex tensor");
    std::string x = dft_input(ctx, a.value(0));
    // rfft: the last dim one-sided first (real input), the others complex after it.
    std::vector<int64_t> order = dims;
    if (onesided) {
      std::rotate(order.begin(), order.end() - 1, order.end());
      std::rotate(lengths.begin(), lengths.end() - 1, lengths.end());
    }
    std::string nv;
    for (size_t i = 0; i < order.size(); ++i) {
      std::string n = length_as_float(ctx, x, order[i], lengths[i], x);
      std::string length = lengths[i] ? ctx.add_int64s({*lengths[i]}, "dft_length", true) : "";
      x = emit_dft(ctx, x, order[i], inverse, onesided && i == 0, length);
      nv = nv.empty() ? n : emit(ctx, "Mul", {nv, n}, "n");
    }
    ctx.bind(node->output(), mark(ctx, apply_norm(ctx, node, x, a.opt_s(3), inverse, nv)));
  };
}

// fftshift / ifftshift(x, dims?): a roll by ⌊n/2⌋ (⌈n/2⌉ back) along each dim; a dim of
// run-time size splits at a position computed from its Shape.
Converter fftshift(bool inverse) {
  return [inverse](ExportContext& ctx, const Node* node, const Args& a) {
    int64_t rank = logical_rank(ctx, node, a.value(0));
    std::vector<int64_t> dims;
    if (auto d = a.opt_ints(1)) dims = *d;
    else
      for (int64_t i = 0; i < rank; ++i) dims.push_back(i);
    std::string x = ctx.in(a.value(0));
    for (auto d : dims) {
      d = normalize_dim(node, d, rank);
      // The first s elements move to the end: s and n as constants, or from the Shape.
      std::string n, s;
      auto shape = ctx.shape_of(x);
      if (shape && (*shape)[static_cast<size_t>(d)] >= 0) {
        int64_t len = (*shape)[static_cast<size_t>(d)];
        int64_t split = inverse ? len / 2 : len - len / 2;
        if (split % len == 0) continue;
        n = ctx.add_int64s({len}, "ends");
        s = ctx.add_int64s({split}, "split");
      } else {
        n = emit_dim(ctx, x, d);
        std::string half = emit(ctx, "Div", {n, ctx.add_int64s({2}, "two")}, "half");
        s = inverse ? half : emit(ctx, "Sub", {n, half}, "split");
      }
      std::string axes = ctx.add_int64s({d}, "axes");
      std::string head = emit(ctx, "Slice", {x, ctx.add_int64s({0}, "starts"), s, axes}, "head");
      std::string tail = emit(ctx, "Slice", {x, s, n, axes}, "tail");
      auto& c = ctx.add_node("Concat", {tail, head}, {ctx.fresh("shifted")});
      set_attr(c, "axis", d);
      x = c.output(0);
    }
    if (ctx.is_complex(a.value(0))) mark(ctx, x);
    ctx.bind(node->output(), x);
  };
}

// stft(x [B?, L], n_fft, hop?, win_length?, window?, [center, pad_mode,] normalized, onesided?,
// return_complex?) → STFT → [B?, bins, frames] complex (pairs); center pads by n_fft/2 first.
void stft_impl(ExportContext& ctx, const Node* node, const Args& a, bool has_center) {
  size_t k = has_center ? 2 : 0;  // the .center overload has two more arguments
  int64_t n_fft = a.i(1);
  int64_t hop = a.opt_i(2).value_or(n_fft / 4);
  int64_t win = a.opt_i(3).value_or(n_fft);
  bool normalized = a.b(5 + k);
  bool onesided = a.opt_b(6 + k).value_or(true);
  bool complex_out = a.opt_b(7 + k).value_or(false);
  if (ctx.is_complex(a.value(0))) unsupported(node, "stft of a complex signal");
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  if (rank != 1 && rank != 2) unsupported(node, "a signal of other than 1 or 2 dims");
  std::string x = a.tensor(0);
  if (!is_floating(type_or_float(ctx, x))) x = emit_cast(ctx, x, onnx::TensorProto_DataType_FLOAT);
  if (rank == 1) x = emit_unsqueeze(ctx, x, {0});
  if (has_center && a.b(5)) {
    std::string mode = a.s(6);
    if (mode == "replicate") mode = "edge";
    else if (mode != "reflect" && mode != "constant") unsupported(node, "pad_mode '" + mode + "'");
    auto& p = ctx.add_node("Pad", {x, ctx.add_int64s({0, n_fft / 2, 0, n_fft / 2}, "pads")}, {ctx.fresh("centered")});
    set_attr(p, "mode", mode);
    x = p.output(0);
  }
  x = emit_unsqueeze(ctx, x, {-1});  // [B, L, 1]: a real signal
  // The window, zero-padded to n_fft around its centre as LibTorch does.
  std::string window;
  int32_t t = type_or_float(ctx, x);
  if (auto w = a.opt_tensor(4)) {
    window = emit_cast(ctx, *w, t);
  } else {
    window = ctx.add_initializer(at::ones({win}, torch_dtype(t).value_or(at::kFloat)), "window");
  }
  if (win < n_fft) {
    int64_t left = (n_fft - win) / 2;
    window = emit(ctx, "Pad", {window, ctx.add_int64s({left, n_fft - win - left}, "window_pads")}, "window");
  }
  std::string y = ctx.fresh("stft");
  auto& n = ctx.add_node("STFT", {x, ctx.add_int64s({hop}, "frame_step", true), window, ctx.add_int64s({n_fft}, "frame_length", true)},
                         {y});
  set_attr(n, "onesided", static_cast<int64_t>(onesided));
  // ONNX infers no STFT shape where the signal length is computed (a view to sizes read at run
  // time): the rank and the bins are known here.
  if (!ctx.shape_of(y)) ctx.hint_shape(y, t, {-1, -1, onesided ? n_fft / 2 + 1 : n_fft, 2}, {});
  std::string r = emit_transpose(ctx, y, {0, 2, 1, 3});  // [B, bins, frames, 2]
  if (normalized) r = emit(ctx, "Div", {r, constant_like(ctx, std::sqrt(static_cast<double>(n_fft)), r, "sqrt_n_fft")}, "normalized");
  if (rank == 1) r = emit_squeeze(ctx, r, {0});
  if (complex_out) mark(ctx, r);
  ctx.bind(node->output(), r);
}
void stft(ExportContext& c, const Node* n, const Args& a) { stft_impl(c, n, a, false); }
void stft_center(ExportContext& c, const Node* n, const Args& a) { stft_impl(c, n, a, true); }

void view_as_real(ExportContext& ctx, const Node* node, const Args& a) {
  if (!ctx.is_complex(a.value(0))) unsupported(node, "view_as_real of a real tensor");
  ctx.bind(node->output(), emit(ctx, "Identity", {a.tensor(0)}, "pairs"));
}
void view_as_complex(ExportContext& ctx, const Node* node, const Args& a) {
  ctx.bind(node->output(), mark(ctx, emit(ctx, "Identity", {a.tensor(0)}, "complex")));
}

// real / imag: the pair's first or second component (real of a real tensor: itself)
Converter component(int64_t which) {
  return [which](ExportContext& ctx, const Node* node, const Args& a) {
    if (!ctx.is_complex(a.value(0))) {
      if (which == 0) return alias(ctx, node);
      unsupported(node, "imag of a real tensor");
    }
    auto& g = ctx.add_node("Gather", {a.tensor(0), ctx.add_int64s({which}, "component", true)}, {ctx.out(node->output(), "component")});
    set_attr(g, "axis", int64_t{-1});
  };
}

// abs: |z| = √(re² + im²) for complex; Abs otherwise
void abs(ExportContext& ctx, const Node* node, const Args& a) {
  if (!ctx.is_complex(a.value(0))) {
    ctx.add_node("Abs", {a.tensor(0)}, {ctx.out(node->output(), "Abs")});
    return;
  }
  emit_reduce(ctx, "ReduceL2", a.tensor(0), {-1}, false, ctx.out(node->output(), "abs"));
}

// angle: atan2(im, re) for complex; π for negative reals, 0 otherwise (NaN stays NaN)
void angle(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (!ctx.is_complex(a.value(0))) {
    if (!is_floating(type_or_float(ctx, x))) x = emit_cast(ctx, x, onnx::TensorProto_DataType_FLOAT);
    std::string zero = constant_like(ctx, 0, x, "zero");
    std::string pi = emit(ctx, "Where", {emit(ctx, "Less", {x, zero}, "negative"), constant_like(ctx, M_PI, x, "pi"), zero}, "angle");
    ctx.add_node("Add", {pi, emit(ctx, "Mul", {x, zero}, "keep_nan")}, {ctx.out(node->output(), "angle")});
    return;
  }
  auto part = [&](int64_t i) {
    auto& g = ctx.add_node("Gather", {x, ctx.add_int64s({i}, "component", true)}, {ctx.fresh("part")});
    set_attr(g, "axis", int64_t{-1});
    return g.output(0);
  };
  std::string re = part(0), im = part(1);
  std::string zero = constant_like(ctx, 0, x, "zero");
  std::string q = emit(ctx, "Atan", {emit(ctx, "Div", {im, re}, "ratio")}, "atan");
  std::string pi = emit(ctx, "Where", {emit(ctx, "GreaterOrEqual", {im, zero}, "im_nonneg"), constant_like(ctx, M_PI, x, "pi"),
                                       constant_like(ctx, -M_PI, x, "minus_pi")},
                        "pi");
  std::string r = emit(ctx, "Add", {q, emit(ctx, "Where", {emit(ctx, "Less", {re, zero}, "re_neg"), pi, zero}, "quadrant")}, "angle");
  std::string origin = emit(ctx, "And", {emit(ctx, "Equal", {re, zero}, "re0"), emit(ctx, "Equal", {im, zero}, "im0")}, "origin");
  ctx.add_node("Where", {origin, zero, r}, {ctx.out(node->output(), "angle")});
}

// conj: the imaginary part negated (a real tensor: itself)
void conj(ExportContext& ctx, const Node* node, const Args& a) {
  if (!ctx.is_complex(a.value(0))) return alias(ctx, node);
  std::string x = a.tensor(0);
  std::string sign = ctx.add_initializer(at::tensor({1.0f, -1.0f}).to(torch_dtype(type_or_float(ctx, x)).value_or(at::kFloat)), "conj");
  ctx.bind(node->output(), mark(ctx, emit(ctx, "Mul", {x, sign}, "conj")));
}

// complex(real, imag) / polar(abs, angle) → pairs
void make_complex(ExportContext& ctx, const Node* node, const Args& a) {
  // The parts broadcast against each other first (ONNX's Expand broadcasts both ways).
  std::string re = a.tensor(0), im = a.tensor(1);
  std::string re_b = emit(ctx, "Expand", {re, emit_shape(ctx, im)}, "real"), im_b = emit(ctx, "Expand", {im, emit_shape(ctx, re)}, "imag");
  auto& c = ctx.add_node("Concat", {emit_unsqueeze(ctx, re_b, {-1}), emit_unsqueeze(ctx, im_b, {-1})}, {ctx.fresh("complex")});
  set_attr(c, "axis", int64_t{-1});
  ctx.bind(node->output(), mark(ctx, c.output(0)));
}
void polar(ExportContext& ctx, const Node* node, const Args& a) {
  std::string r = a.tensor(0), th = a.tensor(1);
  std::string re = emit(ctx, "Mul", {r, emit(ctx, "Cos", {th}, "cos")}, "re");
  std::string im = emit(ctx, "Mul", {r, emit(ctx, "Sin", {th}, "sin")}, "im");
  auto& c = ctx.add_node("Concat", {emit_unsqueeze(ctx, re, {-1}), emit_unsqueeze(ctx, im, {-1})}, {ctx.fresh("polar")});
  set_attr(c, "axis", int64_t{-1});
  ctx.bind(node->output(), mark(ctx, c.output(0)));
}

// A real operand next to a complex one: a tensor gets a trailing dim of 1 (it scales both
// components); for + and −, the pair (x, 0).
std::string real_beside_complex(ExportContext& ctx, const Value* v, int32_t type, bool as_pair) {
  std::string x = operand(ctx, v, type);
  bool number = is_non_tensor(v) || (ctx.is_static(v) && ctx.constant(v).isTensor() && ctx.constant(v).toTensor().dim() == 0) ||
                ctx.rank_of(v).value_or(1) == 0;
  if (!as_pair && number) return x;
  std::string u = emit_unsqueeze(ctx, number ? emit(ctx, "Reshape", {x, ctx.add_int64s({1}, "one")}, "scalar") : x, {-1});
  if (!as_pair) return u;
  auto& c = ctx.add_node("Concat", {u, emit(ctx, "Mul", {u, constant_like(ctx, 0, u, "zero")}, "zero_im")}, {ctx.fresh("as_complex")});
  set_attr(c, "axis", int64_t{-1});
  return c.output(0);
}

}  // namespace

bool convert_complex_arith(ExportContext& ctx, const Node* node, const Args& a, const std::string& op) {
  bool cx = ctx.is_complex(a.value(0)), cy = ctx.is_complex(a.value(1));
  if (!cx && !cy) return false;
  int32_t t = type_or_float(ctx, ctx.in(cx ? a.value(0) : a.value(1)));
  bool additive = op == "Add" || op == "Sub";
  std::string x = cx ? ctx.in(a.value(0)) : real_beside_complex(ctx, a.value(0), t, additive);
  std::string y = cy ? ctx.in(a.value(1)) : real_beside_complex(ctx, a.value(1), t, additive);
  if (cx && cy && (op == "Mul" || op == "Div")) {
    if (op == "Div") unsupported(node, "dividing two complex tensors");
    auto part = [&](const std::string& z, int64_t i) {
      auto& g = ctx.add_node("Gather", {z, ctx.add_int64s({i}, "component", true)}, {ctx.fresh("part")});
      set_attr(g, "axis", int64_t{-1});
      return g.output(0);
    };
    std::string xa = part(x, 0), xb = part(x, 1), ya = part(y, 0), yb = part(y, 1);
    std::string re = emit(ctx, "Sub", {emit(ctx, "Mul", {xa, ya}, "ac"), emit(ctx, "Mul", {xb, yb}, "bd")}, "re");
    std::string im = emit(ctx, "Add", {emit(ctx, "Mul", {xa, yb}, "ad"), emit(ctx, "Mul", {xb, ya}, "bc")}, "im");
    auto& c = ctx.add_node("Concat", {emit_unsqueeze(ctx, re, {-1}), emit_unsqueeze(ctx, im, {-1})}, {ctx.fresh("product")});
    set_attr(c, "axis", int64_t{-1});
    ctx.bind(node->output(), mark(ctx, c.output(0)));
    return true;
  }
  if (!cx && op == "Div") unsupported(node, "dividing by a complex tensor");
  ctx.bind(node->output(), mark(ctx, emit(ctx, op, {x, y}, "complex_" + op)));
  return true;
}

void register_signal_ops(OpRegistry& r) {
  r.add("aten::stft", "v i i? i? v? b b? b?", stft, "Pad (center) + STFT + Transpose", kComplex);
  r.add("aten::stft.center", "v i i? i? v? b s b b? b?", stft_center, "Pad (center) + STFT + Transpose", kComplex);
  r.add("aten::fft_fft", "v id? i s?", fft_1d(false, false), "DFT", kComplex);
  r.add("aten::fft_ifft", "v id? i s?", fft_1d(true, false), "DFT (inverse)", kComplex);
  r.add("aten::fft_rfft", "v id? i s?", fft_1d(false, true), "DFT (onesided)", kComplex);
  r.add("aten::fft_irfft", "v i? i s?", fft_irfft, "Gather (Hermitian spectrum) + DFT (inverse) + real part", kComplex);
  r.add("aten::fft_fft2", "v is? is s?", fft_nd(false, false, true), "DFT per dim", kComplex);
  r.add("aten::fft_ifft2", "v is? is s?", fft_nd(true, false, true), "DFT (inverse) per dim", kComplex);
  r.add("aten::fft_rfft2", "v is? is s?", fft_nd(false, true, true), "DFT per dim (last onesided)", kComplex);
  r.add("aten::fft_fftn", "v is? is? s?", fft_nd(false, false, false), "DFT per dim", kComplex);
  r.add("aten::fft_ifftn", "v is? is? s?", fft_nd(true, false, false), "DFT (inverse) per dim", kComplex);
  r.add("aten::fft_rfftn", "v is? is? s?", fft_nd(false, true, false), "DFT per dim (last onesided)", kComplex);
  r.add("aten::fft_fftshift", "v is?", fftshift(false), "Slice + Concat per dim", kComplexAnyOpset);
  r.add("aten::fft_ifftshift", "v is?", fftshift(true), "Slice + Concat per dim", kComplexAnyOpset);
  r.add("aten::view_as_real", "v", view_as_real, "nothing (complex values are real pairs)", kComplexAnyOpset);
  r.add("aten::view_as_complex", "v", view_as_complex, "nothing (complex values are real pairs)", kComplexAnyOpset);
  r.add("aten::real", "v", component(0), "Gather (the real part)", kComplexAnyOpset);
  r.add("aten::imag", "v", component(1), "Gather (the imaginary part)", kComplexAnyOpset);
  r.add("aten::abs|aten::abs_|aten::absolute", "v", abs, "Abs (ReduceL2 over the pair for complex)", kComplexAnyOpset);
  r.add("aten::angle", "v", angle, "Atan of the pair with quadrant Where (π·[x < 0] for reals)", kComplexAnyOpset);
  r.add("aten::conj|aten::_conj|aten::conj_physical", "v", conj,
        "nothing (real) or Mul by (1, −1)", kComplexAnyOpset);
  r.add("aten::complex", "v v", make_complex, "Unsqueeze + Concat (a real pair)", kComplexAnyOpset);
  r.add("aten::polar", "v v", polar, "Mul by Cos / Sin + Concat (a real pair)", kComplexAnyOpset);
}

}  // namespace kiln
