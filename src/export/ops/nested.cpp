// Nested tensors, as nn.TransformerEncoder's fast path makes them: given a key padding mask whose
// valid positions are left-aligned, a scripted encoder packs its input into a nested tensor
// (`_nested_tensor_from_mask`), runs the fused layers on it with no mask, and pads the result again
// with zeros (`to_padded_tensor(0.0, src.size())`); otherwise it runs the padded layers with the
// mask. kiln carries a nested tensor padded, with the mask of its valid positions
// (ExportContext::mark_nested): the fused layer reads that mask as its key padding mask, and
// to_padded_tensor writes the padding value where it is False. Which path runs is decided at run
// time (`_nested_tensor_from_mask_left_aligned`); the rest of the encoder is converted once per
// path (the reason strings the check leaves differ: ops/control_flow.cpp).
#include <limits>

#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// _nested_tensor_from_mask_left_aligned(t, mask) -> bool: every row's True values come first —
// no True right after a False.
void left_aligned(ExportContext& ctx, const Node* node, const Args& a) {
  std::string m = a.tensor(1);
  auto slice = [&](int64_t start, int64_t end) {
    return emit(ctx, "Slice", {m, ctx.add_int64s({start}, "start"), ctx.add_int64s({end}, "end"), ctx.add_int64s({-1}, "axis")},
                "cols");
  };
  std::string later = slice(1, std::numeric_limits<int64_t>::max()), earlier = slice(0, -1);
  std::string gap = emit(ctx, "And", {later, emit(ctx, "Not", {earlier}, "padding")}, "token_after_padding");
  std::string count = ctx.fresh("gaps");
  auto& sum = ctx.add_node("ReduceSum", {emit_cast(ctx, gap, onnx::TensorProto_DataType_INT64)}, {count});
  set_attr(sum, "keepdims", int64_t{0});  // (all axes; an empty row sums to 0)
  ctx.add_node("Equal", {count, ctx.add_int64s({0}, "zero", true)}, {ctx.out(node->output(), "left_aligned")});
}

// _nested_tensor_from_mask(t, mask, mask_check) -> the padded t, marked nested with the mask.
void from_mask(ExportContext& ctx, const Node* node, const Args& a) {
  auto rank = ctx.rank_of(a.value(1));
  if (rank && *rank != 2) unsupported(node, "a mask that is not [batch, sequence]");
  std::string out = ctx.out(node->output(), "nested");
  ctx.add_node("Identity", {a.tensor(0)}, {out});
  ctx.mark_nested(out, emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_BOOL));
}

// to_padded_tensor(self, padding, output_size): the padding value at the positions the nested
// tensor does not have. output_size (the encoder passes src.size()) is the padded shape kiln
// carries already: a nested tensor made from a mask has the mask's [B, S].
void to_padded(ExportContext& ctx, const Node* node, const Args& a) {
  auto valid = ctx.nested_valid(a.value(0));
  if (!valid) unsupported(node, "a nested tensor kiln did not make from a mask");
  std::string x = a.tensor(0);
  std::string keep = emit_unsqueeze(ctx, *valid, {2});  // [B, S, 1] against [B, S, E]
  ctx.add_node("Where", {keep, x, constant_like(ctx, a.f(1), x, "padding")}, {ctx.out(node->output(), "padded")});
}

// prim::is_nested: true for a tensor kiln carries as a nested one.
void is_nested(ExportContext& ctx, const Node* node, const Args&) {
  ctx.set_known(node->output(), c10::IValue(ctx.nested_valid(node->input(0)).has_value()));
}

}  // namespace

void register_nested_ops(OpRegistry& r) {
  r.add("aten::_nested_tensor_from_mask_left_aligned", "v v", left_aligned,
        "Slice, Not, And, ReduceSum, Equal (no token after padding)", {.world = OpWorld::Scalar});
  r.add("aten::_nested_tensor_from_mask", "v v b", from_mask, "Identity (carried padded, with its mask)");
  r.add("aten::to_padded_tensor", "v f any", to_padded, "Where (the padding value where the nested tensor has no element)");
  r.add("prim::is_nested", "v", is_nested, "nothing (true for a tensor carried as nested)", {.world = OpWorld::Scalar});
}

}  // namespace kiln
