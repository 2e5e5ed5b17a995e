// Embedding bags and renormalization: embedding_bag (sum / mean / max over the bags given by
// offsets, per-sample weights, padding_idx) → Gather + a bag-membership matrix; embedding_renorm
// (F.embedding's max_norm) → the referenced rows scaled to the norm; im2col / col2im (F.unfold /
// F.fold) → a grouped Conv / ConvTranspose with one-hot kernels, which keeps H and W dynamic.
#include <ATen/ATen.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/spatial_ints.h"

namespace kiln {

namespace {

std::string positions(ExportContext& ctx, const std::string& n) {
  return emit(ctx, "Range", {ctx.add_int64s({0}, "zero", true), n, ctx.add_int64s({1}, "one", true)}, "positions");
}

std::string scalar_len(ExportContext& ctx, const std::string& x, int64_t dim) {
  return emit(ctx, "Squeeze", {emit_dim(ctx, x, dim), ctx.add_int64s({0}, "axes")}, "length");
}

// embedding_bag(weight, indices, offsets, scale_grad, mode, sparse, per_sample_weights?,
// include_last_offset[, padding_idx]) → (output, offset2bag, bag_size, max_indices). The three
// bookkeeping outputs as LibTorch's CPU kernel gives them: for sum, an empty offset2bag and zeros;
// for mean, each index's bag, each bag's size (twice); for max, the bags, sizes and the weight row
// that gave each maximum.
void embedding_bag(ExportContext& ctx, const Node* node, const Args& a) {
  int64_t mode = a.i(4);
  if (mode < 0 || mode > 2) unsupported(node, "an unknown mode");
  std::string weight = a.tensor(0);
  std::string idx = emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_INT64);
  std::string offsets = emit_cast(ctx, a.tensor(2), onnx::TensorProto_DataType_INT64);
  auto irank = ctx.rank_of(a.value(1));
  if (irank && *irank == 2) {  // [bags, L] with offsets None in Python: fixed-size bags
    unsupported(node, "2-D indices (LibTorch passes them flattened with offsets)");
  }
  const int64_t padding_idx = a.size() > 8 ? a.opt_i(8).value_or(-1) : -1;  // -1: none
  std::string g = emit(ctx, "Gather", {weight, idx}, "rows");  // [N, D]
  std::string n = scalar_len(ctx, idx, 0);
  std::string pos = positions(ctx, n);
  // bag[p] = #{offsets ≤ p} − 1
  std::string le = emit(ctx, "LessOrEqual", {emit_unsqueeze(ctx, offsets, {0}), emit_unsqueeze(ctx, pos, {1})}, "started");
  std::string bag = emit(ctx, "Sub", {emit_reduce(ctx, "ReduceSum", emit_cast(ctx, le, onnx::TensorProto_DataType_INT64), {1}, false),
                                      ctx.add_int64s({1}, "one", true)},
                         "bag");
  std::string bags = scalar_len(ctx, offsets, 0);
  if (a.b(7)) bags = emit(ctx, "Sub", {bags, ctx.add_int64s({1}, "one", true)}, "bags");  // include_last_offset
  std::string member = emit(ctx, "Equal", {emit_unsqueeze(ctx, positions(ctx, bags), {1}), emit_unsqueeze(ctx, bag, {0})}, "member");
  if (padding_idx >= 0) {  // padding entries belong to no bag
    std::string keep = emit(ctx, "Not", {emit(ctx, "Equal", {idx, ctx.add_int64s({padding_idx}, "padding", true)}, "is_padding")}, "keep");
    member = emit(ctx, "And", {member, emit_unsqueeze(ctx, keep, {0})}, "member");
  }
  int32_t t = type_or_float(ctx, weight);
  if (auto w = a.opt_tensor(6)) g = emit(ctx, "Mul", {g, emit_unsqueeze(ctx, emit_cast(ctx, *w, t), {1})}, "weighted");
  std::string m = emit_cast(ctx, member, t);  // [B, N]
  std::string sizes = emit_reduce(ctx, "ReduceSum", emit_cast(ctx, member, onnx::TensorProto_DataType_INT64), {1}, false);  // [B]
  auto zeros_like_bags = [&] { return emit(ctx, "Mul", {sizes, ctx.add_int64s({0}, "zero", true)}, "zeros"); };
  if (mode == 0 || mode == 1) {
    std::string sum = emit(ctx, "MatMul", {m, g}, "bag_sum");
    if (mode == 0) {
      ctx.bind(node->output(0), sum);
      ctx.bind(node->output(1), emit(ctx, "Slice", {bag, ctx.add_int64s({0}, "starts"), ctx.add_int64s({0}, "ends")}, "offset2bag"));
      ctx.bind(node->output(2), zeros_like_bags());
      ctx.bind(node->output(3), zeros_like_bags());
      return;
    }
    std::string count = emit_reduce(ctx, "ReduceSum", m, {1}, true);
    std::string safe = emit(ctx, "Max", {count, constant_like(ctx, 1, weight, "one")}, "count");  // an empty bag gives 0
    ctx.add_node("Div", {sum, safe}, {ctx.out(node->output(0), "bag_mean")});
    ctx.bind(node->output(1), bag);
    ctx.bind(node->output(2), sizes);
    ctx.bind(node->output(3), sizes);
    return;
  }
  // max: over each bag's rows; an empty bag gives 0
  std::string lowest = constant_like(ctx, -std::numeric_limits<double>::infinity(), weight, "lowest");
  std::string masked = emit(ctx, "Where", {emit_unsqueeze(ctx, member, {2}), emit_unsqueeze(ctx, g, {0}), lowest}, "masked");
  std::string mx = emit_reduce(ctx, "ReduceMax", masked, {1}, false);
  std::string any = emit(ctx, "Greater", {emit_reduce(ctx, "ReduceSum", m, {1}, true), constant_like(ctx, 0, weight, "zero")}, "filled");
  ctx.add_node("Where", {any, mx, constant_like(ctx, 0, weight, "zero")}, {ctx.out(node->output(0), "bag_max")});
  // max_indices: the weight row of each maximum (ArgMax over the bag's rows, then that row's index)
  auto& am = ctx.add_node("ArgMax", {masked}, {ctx.fresh("argmax")});
  set_attr(am, "axis", int64_t{1});
  set_attr(am, "keepdims", int64_t{0});
  std::string rows = emit(ctx, "Gather", {idx, am.output(0)}, "max_rows");
  ctx.bind(node->output(1), bag);
  ctx.bind(node->output(2), sizes);
  ctx.add_node("Where", {any, rows, ctx.add_int64s({0}, "zero", true)}, {ctx.out(node->output(3), "max_indices")});
}

// embedding_renorm(weight, indices, max_norm, norm_type): rows referenced by indices whose norm
// exceeds max_norm are scaled to max_norm / (norm + 1e-7), as LibTorch does.
void embedding_renorm(ExportContext& ctx, const Node* node, const Args& a) {
  std::string w = a.tensor(0);
  std::string idx = emit(ctx, "Reshape", {emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_INT64), ctx.add_int64s({-1}, "flat")}, "indices");
  std::string norm = emit_p_norm(ctx, w, a.f(3), {1}, true);
  std::string maxn = constant_like(ctx, a.f(2), w, "max_norm");
  std::string scale = emit(ctx, "Div", {maxn, emit(ctx, "Add", {norm, constant_like(ctx, 1e-7, w, "eps")}, "norm_eps")}, "scale");
  std::string over = emit(ctx, "Greater", {norm, maxn}, "over");
  std::string rows = scalar_len(ctx, w, 0);
  std::string hit = emit(ctx, "Equal", {emit_unsqueeze(ctx, positions(ctx, rows), {1}), emit_unsqueeze(ctx, idx, {0})}, "hit");
  std::string referenced = emit_cast(ctx, emit_reduce(ctx, "ReduceMax", emit_cast(ctx, hit, onnx::TensorProto_DataType_INT32), {1}, true),
                                     onnx::TensorProto_DataType_BOOL);
  std::string apply = emit(ctx, "And", {over, referenced}, "renorm");
  std::string factor = emit(ctx, "Where", {apply, scale, constant_like(ctx, 1, w, "one")}, "factor");
  ctx.add_node("Mul", {w, factor}, {ctx.out(node->output(), "embedding_renorm")});
}

// One-hot kernels [C·kh·kw, 1, kh, kw]: output channel c·K + k picks kernel position k of channel c.
at::Tensor one_hot_kernels(int64_t c, int64_t kh, int64_t kw, at::ScalarType dtype) {
  int64_t k = kh * kw;
  auto w = at::zeros({c * k, 1, kh, kw}, at::TensorOptions().dtype(dtype));
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t p = 0; p < k; ++p) w[ch * k + p][0][p / kw][p % kw] = 1;
  return w;
}

// im2col(x [N, C, H, W], kernel, dilation, padding, stride) → [N, C·kh·kw, L]
void im2col(ExportContext& ctx, const Node* node, const Args& a) {
  auto dims = ctx.dims_of(a.value(0));
  if (!dims || dims->size() != 4 || (*dims)[1] < 0) unsupported(node, "a 4-D input with a static channel count");
  int64_t c = (*dims)[1];
  auto k = per_spatial_dim(a.ints(1), 2), d = per_spatial_dim(a.ints(2), 2), p = per_spatial_dim(a.ints(3), 2),
       s = per_spatial_dim(a.ints(4), 2);
  std::string x = a.tensor(0);
  auto dtype = torch_dtype(type_or_float(ctx, x)).value_or(at::kFloat);
  std::string y = ctx.fresh("patches");
  auto& n = ctx.add_node("Conv", {x, ctx.add_initializer(one_hot_kernels(c, k[0], k[1], dtype), "im2col_kernels")}, {y});
  set_attr(n, "kernel_shape", k);
  set_attr(n, "dilations", d);
  set_attr(n, "pads", symmetric_pads(p));
  set_attr(n, "strides", s);
  set_attr(n, "group", c);
  ctx.add_node("Reshape", {y, ctx.add_int64s({0, c * k[0] * k[1], -1}, "columns")}, {ctx.out(node->output(), "im2col")});
}

// col2im(x [N, C·kh·kw, L], output_size, kernel, dilation, padding, stride) → [N, C, H, W]: the
// same kernels through ConvTranspose, which sums overlapping patches.
void col2im(ExportContext& ctx, const Node* node, const Args& a) {
  auto dims = ctx.dims_of(a.value(0));
  if (!dims || dims->size() != 3 || (*dims)[1] < 0) unsupported(node, "a 3-D input with a static channel count");
  auto out = per_spatial_dim(a.ints(1), 2), k = per_spatial_dim(a.ints(2), 2), d = per_spatial_dim(a.ints(3), 2),
       p = per_spatial_dim(a.ints(4), 2), s = per_spatial_dim(a.ints(5), 2);
  int64_t kk = k[0] * k[1];
  if ((*dims)[1] % kk != 0) unsupported(node, "the channel count is not a multiple of the kernel size");
  int64_t c = (*dims)[1] / kk;
  std::vector<int64_t> blocks, pad_out;
  for (size_t i = 0; i < 2; ++i) {
    int64_t b = (out[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) / s[i] + 1;
    blocks.push_back(b);
    pad_out.push_back(out[i] - ((b - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1));
  }
  std::string x = a.tensor(0);
  auto dtype = torch_dtype(type_or_float(ctx, x)).value_or(at::kFloat);
  std::string grid = emit(ctx, "Reshape", {x, ctx.add_int64s({0, c * kk, blocks[0], blocks[1]}, "blocks")}, "blocks");
  auto& n = ctx.add_node("ConvTranspose", {grid, ctx.add_initializer(one_hot_kernels(c, k[0], k[1], dtype), "col2im_kernels")},
                         {ctx.out(node->output(), "col2im")});
  set_attr(n, "kernel_shape", k);
  set_attr(n, "dilations", d);
  set_attr(n, "pads", symmetric_pads(p));
  set_attr(n, "strides", s);
  set_attr(n, "group", c);
  set_attr(n, "output_padding", pad_out);
}

}  // namespace

void register_embedding_ops(OpRegistry& r) {
  r.add("aten::embedding_bag", "v v v b i b v? b", embedding_bag, "Gather + bag membership (MatMul sum/mean, masked ReduceMax)");
  r.add("aten::embedding_bag.padding_idx", "v v v b i b v? b i?", embedding_bag,
        "Gather + bag membership (MatMul sum/mean, masked ReduceMax)");
  r.add("aten::embedding_renorm|aten::embedding_renorm_", "v v f f", embedding_renorm, "p-norm of the referenced rows + Where + Mul");
  r.add("aten::im2col", "v is is is is", im2col, "grouped Conv with one-hot kernels + Reshape");
  r.add("aten::col2im", "v is is is is is", col2im, "Reshape + grouped ConvTranspose with one-hot kernels");
}

}  // namespace kiln
