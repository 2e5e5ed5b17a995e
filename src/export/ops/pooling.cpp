// Pooling: max_pool1d/2d/3d (with indices) → MaxPool, avg_pool → AveragePool, adaptive pooling →
// GlobalAveragePool / GlobalMaxPool (output 1), AveragePool / MaxPool (even division), or exact
// constant MatMuls (uneven average) and per-window ReduceMax (uneven max).
#include <functional>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/spatial_ints.h"

namespace kiln {

namespace {

// Spatial rank from the op's name (max_pool2d → 2): a single kernel size applies to each dim.
size_t spatial_rank(const Node* node) {
  std::string k = node->kind().toUnqualString();
  return k.find("3d") != std::string::npos ? 3 : k.find("2d") != std::string::npos ? 2 : 1;
}

bool used(const Value* v) { return !v->uses().empty(); }

// PyTorch's indices count within each [spatial] plane; ONNX's MaxPool counts over the whole
// tensor. A 1×1 MaxPool of x gives each element's own flat index: the first of each plane is the
// offset to subtract.
void plane_indices(ExportContext& ctx, const std::string& x, const std::string& onnx_indices, size_t n, const std::string& out) {
  std::string self_idx = ctx.fresh("self_index"), self_val = ctx.fresh("unused");
  auto& mp = ctx.add_node("MaxPool", {x}, {self_val, self_idx});
  set_attr(mp, "kernel_shape", std::vector<int64_t>(n, 1));
  std::vector<int64_t> zeros(n, 0), ones(n, 1), axes;
  for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i) + 2);
  std::string first = emit(ctx, "Slice", {self_idx, ctx.add_int64s(zeros, "starts"), ctx.add_int64s(ones, "ends"), ctx.add_int64s(axes, "axes")},
                           "plane_offset");
  ctx.add_node("Sub", {onnx_indices, first}, {out});
}

// max_pool(x, kernel, stride, padding, dilation, ceil_mode) [→ (values, indices)]
void max_pool_impl(ExportContext& ctx, const Node* node, const Args& a, bool with_indices) {
  size_t n = spatial_rank(node);
  auto kernel = per_spatial_dim(a.ints(1), n);
  auto stride = a.ints(2);
  if (stride.empty()) stride = kernel;
  std::string x = a.tensor(0);
  bool indices = with_indices && used(node->output(1));
  std::vector<std::string> outs{ctx.out(node->output(0), "maxpool")};
  std::string onnx_idx = ctx.fresh("maxpool_index");
  if (indices) outs.push_back(onnx_idx);
  auto& op = ctx.add_node("MaxPool", {x}, outs);
  set_attr(op, "kernel_shape", kernel);
  set_attr(op, "strides", per_spatial_dim(stride, n));
  set_attr(op, "pads", symmetric_pads(per_spatial_dim(a.ints(3), n)));
  set_attr(op, "dilations", per_spatial_dim(a.ints(4), n));
  set_attr(op, "ceil_mode", static_cast<int64_t>(a.b(5)));
  if (indices) plane_indices(ctx, x, onnx_idx, n, ctx.out(node->output(1), "indices"));
}
void max_pool(ExportContext& c, const Node* n, const Args& a) { max_pool_impl(c, n, a, false); }
void max_pool_with_indices(ExportContext& c, const Node* n, const Args& a) { max_pool_impl(c, n, a, true); }

// PyTorch's ceil_mode average with the padding counted: window i starts at i·s − p and divides
// by the positions it covers up to the padding's end (L + p), not its overhang past it; the
// last window is dropped when it would start in the right padding. ONNX's AveragePool counts
// neither the same way, and ONNX Runtime fuses an explicit Pad into it, so no ceil_mode is left
// to ONNX: sums over full windows of x padded by p (and s more zeros on the right), divided by
// the same sums over a mask of the padded extent, then sliced to PyTorch's output size.
std::string ceil_avg_pool(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& kernel,
                          const std::vector<int64_t>& stride, const std::vector<int64_t>& pads, const std::string& out) {
  const size_t n = kernel.size();
  // Padding by Concat, not Pad: ONNX Runtime would fold a Pad into the AveragePool as its pads,
  // which it then refuses (pads as large as the kernel).
  auto pad_axis = [&](const std::string& v, size_t axis, int64_t before, int64_t after, double value) {
    std::string shape = emit_shape(ctx, v);
    auto block = [&](int64_t size) {
      auto rank = static_cast<int64_t>(n + 2), a = static_cast<int64_t>(axis);
      std::vector<std::string> parts;
      if (a > 0) parts.push_back(emit(ctx, "Slice", {shape, ctx.add_int64s({0}, "starts"), ctx.add_int64s({a}, "ends")}, "lead"));
      parts.push_back(ctx.add_int64s({size}, "size"));
      if (a + 1 < rank)
        parts.push_back(emit(ctx, "Slice", {shape, ctx.add_int64s({a + 1}, "starts"), ctx.add_int64s({rank}, "ends")}, "tail"));
      auto& c = ctx.add_node("Concat", parts, {ctx.fresh("block_shape")});
      set_attr(c, "axis", int64_t{0});
      return emit(ctx, "Expand", {constant_like(ctx, value, x, "fill"), c.output(0)}, "block");
    };
    std::vector<std::string> parts;
    if (before > 0) parts.push_back(block(before));
    parts.push_back(v);
    if (after > 0) parts.push_back(block(after));
    if (parts.size() == 1) return v;
    auto& c = ctx.add_node("Concat", parts, {ctx.fresh("padded")});
    set_attr(c, "axis", static_cast<int64_t>(axis));
    return c.output(0);
  };
  auto full_windows = [&](const std::string& v) {
    std::string y = ctx.fresh("window_mean");
    auto& op = ctx.add_node("AveragePool", {v}, {y});
    set_attr(op, "kernel_shape", kernel);
    set_attr(op, "strides", stride);
    return y;
  };
  std::string padded = x, extent = emit(ctx, "Expand", {constant_like(ctx, 1, x, "one"), emit_shape(ctx, x)}, "ones");
  // The extent is a box: ones over the padded input on every axis first, then the zeros beyond.
  for (size_t i = 0; i < n; ++i) {
    padded = pad_axis(padded, 2 + i, pads[i], pads[i] + stride[i], 0);
    extent = pad_axis(extent, 2 + i, pads[i], pads[i], 1);
  }
  for (size_t i = 0; i < n; ++i) extent = pad_axis(extent, 2 + i, 0, stride[i], 0);
  std::string sums = full_windows(padded), counts = full_windows(extent);
  std::string mean = emit(ctx, "Div", {sums, counts}, "ceil_mean");
  // out = ceil((L + 2p − k) / s) + 1, less one when that last window starts at or past L + p
  std::vector<std::string> ends;
  std::string shape = emit_shape(ctx, x);
  for (size_t i = 0; i < n; ++i) {
    auto c = [&](int64_t v) { return ctx.add_int64s({v}, "c"); };
    std::string len = emit(ctx, "Gather", {shape, ctx.add_int64s({static_cast<int64_t>(2 + i)}, "dim")}, "length");
    std::string span = emit(ctx, "Add", {len, c(2 * pads[i] - kernel[i] + stride[i] - 1)}, "span");
    std::string count = emit(ctx, "Add", {emit(ctx, "Div", {span, c(stride[i])}, "windows"), c(1)}, "count");
    std::string last_start = emit(ctx, "Mul", {emit(ctx, "Sub", {count, c(1)}, "last"), c(stride[i])}, "last_start");
    std::string past = emit_cast(ctx, emit(ctx, "GreaterOrEqual", {last_start, emit(ctx, "Add", {len, c(pads[i])}, "edge")}, "past"),
                                 onnx::TensorProto_DataType_INT64);
    ends.push_back(emit(ctx, "Sub", {count, past}, "out_size"));
  }
  auto& concat = ctx.add_node("Concat", ends, {ctx.fresh("out_sizes")});
  set_attr(concat, "axis", int64_t{0});
  std::vector<int64_t> axes;
  for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(2 + i));
  return emit(ctx, "Slice", {mean, ctx.add_int64s(std::vector<int64_t>(n, 0), "starts"), concat.output(0), ctx.add_int64s(axes, "axes")},
              "avgpool", out);
}

// avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad[, divisor_override])
void avg_pool(ExportContext& ctx, const Node* node, const Args& a) {
  size_t n = spatial_rank(node);
  auto kernel = per_spatial_dim(a.ints(1), n);
  auto stride = a.ints(2);
  if (stride.empty()) stride = kernel;
  stride = per_spatial_dim(stride, n);
  std::optional<int64_t> divisor = a.size() > 6 ? a.opt_i(6) : std::nullopt;
  auto pads = per_spatial_dim(a.ints(3), n);
  const bool ceil = a.b(4), include_pad = divisor ? true : a.b(5);
  if (ceil && include_pad && !divisor && std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p > 0; })) {
    ceil_avg_pool(ctx, a.tensor(0), kernel, stride, pads, ctx.out(node->output(), "avgpool"));
    return;
  }
  std::string pooled = divisor ? ctx.fresh("avgpool") : ctx.out(node->output(), "avgpool");
  auto& op = ctx.add_node("AveragePool", {a.tensor(0)}, {pooled});
  set_attr(op, "kernel_shape", kernel);
  set_attr(op, "strides", stride);
  set_attr(op, "pads", symmetric_pads(pads));
  set_attr(op, "ceil_mode", static_cast<int64_t>(ceil));
  set_attr(op, "count_include_pad", static_cast<int64_t>(include_pad));
  if (!divisor) return;
  // Σ over the window / divisor = mean over the full window · (window size / divisor)
  int64_t size = 1;
  for (auto k : kernel) size *= k;
  ctx.add_node("Mul", {pooled, constant_like(ctx, static_cast<double>(size) / static_cast<double>(*divisor), pooled, "divisor")},
               {ctx.out(node->output(), "avgpool")});
}

// Uneven adaptive average pooling (alexnet's 1×1 → 6×6 at small inputs, 7 → 3): output cell i
// averages input [floor(i·in/out), ceil((i+1)·in/out)) — a fixed linear map per spatial axis, so
// y = P_h · x · P_wᵀ with P[i][j] = 1/len(window i) for j in window i. Exact up to rounding.
void adaptive_by_matrices(ExportContext& ctx, const Node* node, const std::string& x, const std::vector<int64_t>& shape,
                          const std::vector<int64_t>& out_size) {
  size_t offset = shape.size() - out_size.size();
  auto matrix = [](int64_t in, int64_t out) {
    auto p = at::zeros({out, in}, at::kFloat);
    for (int64_t i = 0; i < out; ++i) {
      int64_t start = (i * in) / out, end = ((i + 1) * in + out - 1) / out;
      for (int64_t j = start; j < end; ++j) p[i][j] = 1.0f / static_cast<float>(end - start);
    }
    return p;
  };
  size_t n = out_size.size();
  if (n > 2) unsupported(node, "uneven adaptive pooling over more than two axes");
  auto last = matrix(shape[offset + n - 1], out_size[n - 1]);
  std::string y = n == 1 ? ctx.out(node->output(), "adaptive_avgpool") : ctx.fresh("adaptive_w");
  ctx.add_node("MatMul", {x, ctx.add_initializer(last.t(), "adaptive_pool_w")}, {y});
  if (n == 2) {
    auto first = matrix(shape[offset], out_size[0]);
    ctx.add_node("MatMul", {ctx.add_initializer(first, "adaptive_pool_h"), y}, {ctx.out(node->output(), "adaptive_avgpool")});
  }
}

// The input's spatial sizes (static), for a non-global adaptive pool.
std::vector<int64_t> spatial_sizes(ExportContext& ctx, const Node* node, const std::string& x, size_t n) {
  auto shape = ctx.shape_of(x);
  if (!shape || shape->size() < n) unsupported(node, "adaptive pooling to a size other than 1 needs a static input shape");
  std::vector<int64_t> in(shape->end() - static_cast<std::ptrdiff_t>(n), shape->end());
  for (auto s : in)
    if (s <= 0) unsupported(node, "adaptive pooling to a size other than 1 needs static spatial sizes");
  return in;
}

// Adaptive pooling over spatial sizes known only at run time: each output cell reduces its window
// [floor(k·in/out), ceil((k+1)·in/out)) per axis, the bounds computed from the run-time sizes.
std::string adaptive_dynamic(ExportContext& ctx, const Node* node, const std::string& x, const std::vector<int64_t>& out_size,
                             const char* reduce) {
  size_t n = out_size.size();
  int64_t cells = 1;
  for (auto o : out_size) cells *= o;
  if (cells > 1024) unsupported(node, "adaptive pooling to more than 1024 cells over run-time spatial sizes");
  auto rank = ctx.shape_of(x);
  if (!rank) unsupported(node, "a tensor of unknown rank");
  size_t offset = rank->size() - n;
  std::string shape = emit_shape(ctx, x);
  std::vector<std::string> in;
  for (size_t i = 0; i < n; ++i) {
    in.push_back(emit(ctx, "Gather", {shape, ctx.add_int64s({static_cast<int64_t>(offset + i)}, "dim")}, "in_size"));
  }
  auto bound = [&](size_t axis, int64_t k, bool end) {
    int64_t o = out_size[axis];
    // start = (k·in) // o; end = ((k+1)·in + o − 1) // o
    std::string num = emit(ctx, "Mul", {in[axis], ctx.add_int64s({end ? k + 1 : k}, "k")}, "scaled");
    if (end) num = emit(ctx, "Add", {num, ctx.add_int64s({o - 1}, "round_up")}, "rounded");
    return emit(ctx, "Div", {num, ctx.add_int64s({o}, "out")}, end ? "end" : "start");
  };
  std::vector<int64_t> axes;
  for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(offset + i));
  std::function<std::string(size_t, std::string)> build = [&](size_t axis, std::string t) -> std::string {
    if (axis == n) return emit_reduce(ctx, reduce, t, axes, true);
    std::vector<std::string> parts;
    for (int64_t k = 0; k < out_size[axis]; ++k) {
      std::string w = emit(ctx, "Slice", {t, bound(axis, k, false), bound(axis, k, true), ctx.add_int64s({axes[axis]}, "axes")}, "window");
      parts.push_back(build(axis + 1, w));
    }
    if (parts.size() == 1) return parts[0];
    auto& c = ctx.add_node("Concat", parts, {ctx.fresh("cells")});
    set_attr(c, "axis", axes[axis]);
    return c.output(0);
  };
  return build(0, x);
}

bool static_spatial(ExportContext& ctx, const std::string& x, size_t n) {
  auto shape = ctx.shape_of(x);
  if (!shape || shape->size() < n) return false;
  for (size_t i = shape->size() - n; i < shape->size(); ++i)
    if ((*shape)[i] < 0) return false;
  return true;
}

// adaptive_avg_pool(x, output_size)
void adaptive_avg_pool(ExportContext& ctx, const Node* node, const Args& a) {
  size_t n = spatial_rank(node);
  auto out_size = per_spatial_dim(a.ints(1), n);
  bool global = true;
  for (auto s : out_size) global &= s == 1;
  std::string x = a.tensor(0);
  if (global) {
    ctx.add_node("GlobalAveragePool", {x}, {ctx.out(node->output(), "global_avgpool")});
    return;
  }
  if (!static_spatial(ctx, x, n)) return ctx.bind(node->output(), adaptive_dynamic(ctx, node, x, out_size, "ReduceMean"));
  auto in = spatial_sizes(ctx, node, x, n);
  std::vector<int64_t> kernel;
  bool even = true;
  for (size_t i = 0; i < n; ++i) {
    even &= in[i] % out_size[i] == 0;
    kernel.push_back(even ? in[i] / out_size[i] : 0);
  }
  if (!even) return adaptive_by_matrices(ctx, node, x, *ctx.shape_of(x), out_size);
  auto& op = ctx.add_node("AveragePool", {x}, {ctx.out(node->output(), "avgpool")});
  set_attr(op, "kernel_shape", kernel);
  set_attr(op, "strides", kernel);
}

// adaptive_max_pool(x, output_size) → (values, indices): GlobalMaxPool or an even MaxPool; an
// uneven one takes each window's max (Slice + ReduceMax per output cell, static sizes).
void adaptive_max_pool(ExportContext& ctx, const Node* node, const Args& a) {
  size_t n = spatial_rank(node);
  auto out_size = per_spatial_dim(a.ints(1), n);
  std::string x = a.tensor(0);
  bool indices = used(node->output(1));
  bool global = true;
  for (auto o : out_size) global &= o == 1;
  if (global && !indices) {
    ctx.add_node("GlobalMaxPool", {x}, {ctx.out(node->output(0), "global_maxpool")});
    return;
  }
  if (!static_spatial(ctx, x, n)) {
    if (indices) unsupported(node, "the indices of an adaptive max pool over run-time spatial sizes");
    return ctx.bind(node->output(0), adaptive_dynamic(ctx, node, x, out_size, "ReduceMax"));
  }
  auto in = spatial_sizes(ctx, node, x, n);
  bool even = true;
  std::vector<int64_t> kernel;
  for (size_t i = 0; i < n; ++i) {
    even &= in[i] % out_size[i] == 0;
    kernel.push_back(even ? in[i] / out_size[i] : 0);
  }
  if (even) {
    std::string onnx_idx = ctx.fresh("maxpool_index");
    std::vector<std::string> outs{ctx.out(node->output(0), "adaptive_maxpool")};
    if (indices) outs.push_back(onnx_idx);
    auto& op = ctx.add_node("MaxPool", {x}, outs);
    set_attr(op, "kernel_shape", kernel);
    set_attr(op, "strides", kernel);
    if (indices) plane_indices(ctx, x, onnx_idx, n, ctx.out(node->output(1), "indices"));
    return;
  }
  if (indices) unsupported(node, "the indices of an uneven adaptive max pool");
  int64_t cells = 1;
  for (auto o : out_size) cells *= o;
  if (cells > 4096) unsupported(node, "an uneven adaptive max pool with more than 4096 output cells");
  // Window bounds per axis, then one ReduceMax per cell, reassembled axis by axis.
  std::function<std::string(size_t, std::vector<int64_t>&, std::vector<int64_t>&)> build =
      [&](size_t axis, std::vector<int64_t>& starts, std::vector<int64_t>& ends) -> std::string {
    if (axis == n) {
      std::vector<int64_t> axes;
      for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i) + 2);
      std::string w = emit(ctx, "Slice", {x, ctx.add_int64s(starts, "starts"), ctx.add_int64s(ends, "ends"), ctx.add_int64s(axes, "axes")},
                           "window");
      return emit_reduce(ctx, "ReduceMax", w, axes, true);
    }
    std::vector<std::string> parts;
    for (int64_t i = 0; i < out_size[axis]; ++i) {
      starts.push_back((i * in[axis]) / out_size[axis]);
      ends.push_back(((i + 1) * in[axis] + out_size[axis] - 1) / out_size[axis]);
      parts.push_back(build(axis + 1, starts, ends));
      starts.pop_back();
      ends.pop_back();
    }
    auto& c = ctx.add_node("Concat", parts, {ctx.fresh("cells")});
    set_attr(c, "axis", static_cast<int64_t>(axis) + 2);
    return c.output(0);
  };
  std::vector<int64_t> s, e;
  ctx.bind(node->output(0), build(0, s, e));
}

}  // namespace

void register_pooling_ops(OpRegistry& r) {
  r.add("aten::max_pool1d|aten::max_pool2d|aten::max_pool3d", "v is is is is b", max_pool, "MaxPool");
  r.add("aten::max_pool1d_with_indices|aten::max_pool2d_with_indices|aten::max_pool3d_with_indices", "v is is is is b",
        max_pool_with_indices, "MaxPool (+ per-plane indices)");
  r.add("aten::avg_pool1d", "v is is is b b", avg_pool, "AveragePool");
  r.add("aten::avg_pool2d|aten::avg_pool3d", "v is is is b b i?", avg_pool, "AveragePool (× window / divisor_override)");
  r.add("aten::adaptive_avg_pool1d|aten::adaptive_avg_pool2d|aten::adaptive_avg_pool3d", "v is", adaptive_avg_pool,
        "GlobalAveragePool (output 1), AveragePool (even division) or MatMuls (uneven)");
  r.add("aten::adaptive_max_pool1d|aten::adaptive_max_pool2d|aten::adaptive_max_pool3d", "v is", adaptive_max_pool,
        "MaxPool (even division, + indices) or per-window ReduceMax (uneven)");
}

}  // namespace kiln
