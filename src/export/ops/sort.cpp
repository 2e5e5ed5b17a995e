// Sorting: sort / argsort (stable or not; LibTorch's CPU sort is stable) → TopK over the whole
// dim in ascending or descending order; msort along dim 0.
#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"

namespace kiln {

namespace {

// (values, indices) of x sorted along dim; `values` / `indices` empty when not wanted.
void emit_sort(ExportContext& ctx, const Node* node, const Value* v, int64_t dim_arg, bool descending, const std::string& values,
               const std::string& indices) {
  std::string x = ctx.in(v);
  int64_t rank = rank_or_fail(ctx, node, v);
  if (rank == 0) {  // a 0-d tensor sorts to itself at index 0
    if (!values.empty()) ctx.add_node("Identity", {x}, {values});
    if (!indices.empty()) ctx.add_node("Identity", {ctx.add_int64s({0}, "index", true)}, {indices});
    return;
  }
  int64_t dim = normalize_dim(node, dim_arg, rank);
  bool is_bool = type_or_float(ctx, x) == onnx::TensorProto_DataType_BOOL;
  std::string xs = is_bool ? emit_cast(ctx, x, onnx::TensorProto_DataType_INT32) : x;
  std::string k = emit_dim(ctx, xs, dim);
  std::string vals = values.empty() || is_bool ? ctx.fresh("sorted") : values;
  std::string idx = indices.empty() ? ctx.fresh("order") : indices;
  auto& n = ctx.add_node("TopK", {xs, k}, {vals, idx});
  set_attr(n, "axis", dim);
  set_attr(n, "largest", static_cast<int64_t>(descending));
  set_attr(n, "sorted", int64_t{1});
  if (auto dims = ctx.shape_of(xs))  // k is the dim's run-time length: ONNX infers no dim at all
    for (const auto& o : {vals, idx}) hint_known_dims(ctx, o, *dims);
  if (is_bool && !values.empty()) {
    auto& c = ctx.add_node("Cast", {vals}, {values});
    set_attr(c, "to", static_cast<int64_t>(onnx::TensorProto_DataType_BOOL));
  }
}

// sort(x, dim, descending) / sort.stable(x, stable?, dim, descending) → (values, indices)
void sort(ExportContext& ctx, const Node* node, const Args& a) {
  emit_sort(ctx, node, a.value(0), a.i(1), a.b(2), ctx.out(node->output(0), "sorted"), ctx.out(node->output(1), "indices"));
}
void sort_stable(ExportContext& ctx, const Node* node, const Args& a) {
  emit_sort(ctx, node, a.value(0), a.i(2), a.b(3), ctx.out(node->output(0), "sorted"), ctx.out(node->output(1), "indices"));
}
void argsort(ExportContext& ctx, const Node* node, const Args& a) {
  emit_sort(ctx, node, a.value(0), a.i(1), a.b(2), "", ctx.out(node->output(), "argsort"));
}
void argsort_stable(ExportContext& ctx, const Node* node, const Args& a) {
  emit_sort(ctx, node, a.value(0), a.i(2), a.b(3), "", ctx.out(node->output(), "argsort"));
}
void msort(ExportContext& ctx, const Node* node, const Args& a) {
  emit_sort(ctx, node, a.value(0), 0, false, ctx.out(node->output(), "msort"), "");
}

}  // namespace

void register_sort_ops(OpRegistry& r) {
  r.add("aten::sort", "v i b", sort, "TopK over the whole dim");
  r.add("aten::sort.stable", "v b? i b", sort_stable, "TopK over the whole dim");
  r.add("aten::argsort", "v i b", argsort, "TopK over the whole dim (indices)");
  r.add("aten::argsort.stable", "v b i b", argsort_stable, "TopK over the whole dim (indices)");
  r.add("aten::msort", "v", msort, "TopK over dim 0");
}

}  // namespace kiln
