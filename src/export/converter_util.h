#pragma once
// Helpers every converter family shares: dims, ranks, reductions across the opset-18 axes change,
// transposes, pads, and converters that are data (`unary("Sin")`).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "export/export_context.h"
#include "export/op_registry.h"

namespace kiln {

// A dim argument in [0, rank): negative dims count from the end; out of range is refused.
int64_t normalize_dim(const Node* node, int64_t dim, int64_t rank);
// The rank of a tensor value, or a refusal naming the op.
int64_t rank_or_fail(ExportContext& ctx, const Node* node, const Value* v);
// The size of one dim at export; refused when it is dynamic.
int64_t static_dim(ExportContext& ctx, const Node* node, const Value* v, int64_t dim);

// `x` → `op` → a fresh name (or `out` when given). One line per ONNX node in converters.
std::string emit(ExportContext& ctx, const std::string& op, const std::vector<std::string>& inputs,
                 const std::string& hint, const std::string& out = "");
std::string emit_transpose(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& perm);
std::string emit_cast(ExportContext& ctx, const std::string& x, int32_t onnx_type);
// Unsqueeze / Squeeze with the axes as an input (opset 13+).
std::string emit_unsqueeze(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& axes);
std::string emit_squeeze(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& axes);
// Any ONNX Reduce* op: axes as an attribute below opset 18 and as an input from 18 on (ReduceSum
// from 13). Empty axes reduce everything (keepdims as given).
std::string emit_reduce(ExportContext& ctx, const std::string& op, const std::string& x, const std::vector<int64_t>& axes,
                        bool keepdims, const std::string& out = "");
// ‖v‖_p over `axes` (p = 0: the count of non-zeros; ±inf: the max/min of |v|); empty axes: all.
std::string emit_p_norm(ExportContext& ctx, const std::string& v, double p, const std::vector<int64_t>& axes, bool keepdims,
                        const std::string& out = "");
// A tensor chosen at run time, written to `out`: If(cond) with each branch's value made by its
// function while that branch's subgraph is open (an outer value is passed through an Identity).
// `type`: the value's ONNX element type, the same in both branches.
std::string emit_if(ExportContext& ctx, const std::string& cond, int32_t type, const std::function<std::string()>& then_value,
                    const std::function<std::string()>& else_value, const std::string& out);
// The run-time shape of `x`, and one dim of it as a 1-element int64 tensor.
std::string emit_shape(ExportContext& ctx, const std::string& x);
std::string emit_dim(ExportContext& ctx, const std::string& x, int64_t dim);
// States the dims the exporter knows of `name` (-1 unknown) where ONNX inference knows fewer (a
// Split or Expand by sizes computed at run time): merged with what inference has, hinted only when
// that adds a static dim or the rank, nothing when the ranks disagree. `elem_type` is what the
// exporter knows of the type where ONNX does not (an optional's element inside a branch); without
// either, nothing is hinted.
void hint_known_dims(ExportContext& ctx, const std::string& name, std::vector<int64_t> dims,
                     std::optional<int32_t> elem_type = std::nullopt);
// The same with the rank alone (every dim unknown).
void hint_rank(ExportContext& ctx, const std::string& name, int64_t rank, std::optional<int32_t> elem_type = std::nullopt);
// Reshape(y, Shape(like)) with the output's shape hinted as like's: ONNX's Reshape before opset
// 14 infers nothing from a computed shape, and a later op then meets a tensor of unknown rank.
std::string emit_reshape_like(ExportContext& ctx, const std::string& y, const std::string& like, const std::string& hint,
                              const std::string& out = "");

// PyTorch's pad list (last dim first, begin/end pairs) as ONNX's (every begin, then every end).
std::vector<int64_t> onnx_pads(const Node* node, const std::vector<int64_t>& torch_pads, int64_t rank);
// The same pads on every spatial side: {p0, p1} → {p0, p1, p0, p1}.
std::vector<int64_t> symmetric_pads(const std::vector<int64_t>& p);

// An optional ONNX value, or one made only when it is absent (an initializer nobody reads would stay
// in the file).
template <class Make>
std::string or_make(const std::optional<std::string>& v, Make make) {
  return v ? *v : make();
}

// Converters that are data.
Converter unary(const std::string& onnx_op);   // op(x)
Converter identity();                          // output is input 0 (bookkeeping ops)
void alias(ExportContext& ctx, const Node* node);  // output is the same value as input 0

}  // namespace kiln
