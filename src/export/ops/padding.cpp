// Padding: pad / constant_pad_nd / reflection_pad* / replication_pad* → Pad (constant, reflect,
// edge; circular from opset 19), with static or run-time amounts. Negative amounts crop.
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

void emit_pad(ExportContext& ctx, const Node* node, const Args& a, const std::string& mode, const Value* value) {
  auto rank = ctx.rank_of(a.value(0));
  if (!rank) unsupported(node, "padding a tensor of unknown rank");
  std::string pads_name;
  if (a.is_static(1)) {
    pads_name = ctx.add_int64s(onnx_pads(node, a.ints(1), *rank), "pads");
  } else {  // run-time amounts (Swin pads to a multiple of its window): the same reordering, by value
    auto elems = ctx.list_elements(a.value(1));
    if (!elems || elems->size() % 2 != 0 || static_cast<int64_t>(elems->size()) > 2 * *rank) {
      unsupported(node, "pad amounts kiln does not track");
    }
    const Value* zero = ctx.mint_static(c10::IValue(int64_t{0}), c10::IntType::get());
    std::vector<const Value*> begin(static_cast<size_t>(*rank), zero), end(static_cast<size_t>(*rank), zero);
    for (size_t i = 0; i < elems->size() / 2; ++i) {
      size_t dim = static_cast<size_t>(*rank) - 1 - i;
      begin[dim] = (*elems)[2 * i];
      end[dim] = (*elems)[2 * i + 1];
    }
    begin.insert(begin.end(), end.begin(), end.end());
    pads_name = pack_int_elements(ctx, begin);
  }
  std::string x = a.tensor(0);
  std::vector<std::string> inputs{x, pads_name};
  if (mode == "constant" && value != nullptr && !ctx.is_none(value)) inputs.push_back(operand(ctx, value, type_or_float(ctx, x)));
  auto& n = ctx.add_node("Pad", inputs, {ctx.out(node->output(), "pad")});
  set_attr(n, "mode", mode);
}

// Circular padding below opset 19 (no wrap mode in Pad): per padded dim, the last `before` and the
// first `after` elements concatenated around it (static amounts, each at most the dim's size).
void circular_by_concat(ExportContext& ctx, const Node* node, const Args& a) {
  if (!a.is_static(1)) unsupported(node, "circular padding by amounts computed at run time below opset 19");
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  auto pads = onnx_pads(node, a.ints(1), rank);
  std::string x = a.tensor(0);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t before = pads[static_cast<size_t>(d)], after = pads[static_cast<size_t>(d + rank)];
    if (before < 0 || after < 0) unsupported(node, "negative circular padding below opset 19");
    if (before == 0 && after == 0) continue;
    std::vector<std::string> parts;
    if (before > 0) {
      parts.push_back(emit(ctx, "Slice", {x, ctx.add_int64s({-before}, "starts"), ctx.add_int64s({INT64_MAX}, "ends"),
                                          ctx.add_int64s({d}, "axes")},
                           "wrap_before"));
    }
    parts.push_back(x);
    if (after > 0) {
      parts.push_back(emit(ctx, "Slice", {x, ctx.add_int64s({0}, "starts"), ctx.add_int64s({after}, "ends"), ctx.add_int64s({d}, "axes")},
                           "wrap_after"));
    }
    auto& c = ctx.add_node("Concat", parts, {ctx.fresh("circular")});
    set_attr(c, "axis", d);
    x = c.output(0);
  }
  ctx.bind(node->output(), x);
}

// pad(x, pad, mode="constant", value=None)
void pad(ExportContext& ctx, const Node* node, const Args& a) {
  std::string mode = a.s(2);
  if (mode == "replicate") mode = "edge";
  else if (mode == "circular") {
    if (ctx.opset() < 19) return circular_by_concat(ctx, node, a);
    mode = "wrap";
  } else if (mode != "constant" && mode != "reflect") unsupported(node, fmt::format("pad mode '{}'", mode));
  emit_pad(ctx, node, a, mode, a.value(3));
}

void constant_pad(ExportContext& c, const Node* n, const Args& a) { emit_pad(c, n, a, "constant", a.value(2)); }
Converter mode_pad(const char* mode) {
  return [mode](ExportContext& c, const Node* n, const Args& a) { emit_pad(c, n, a, mode, nullptr); };
}

}  // namespace

void register_padding_ops(OpRegistry& r) {
  r.add("aten::pad", "v iv s any", pad, "Pad (constant, reflect, edge; wrap from opset 19)");
  r.add("aten::constant_pad_nd", "v iv any", constant_pad, "Pad (constant)");
  r.add("aten::reflection_pad1d|aten::reflection_pad2d|aten::reflection_pad3d", "v iv", mode_pad("reflect"), "Pad (reflect)");
  r.add("aten::replication_pad1d|aten::replication_pad2d|aten::replication_pad3d", "v iv", mode_pad("edge"), "Pad (edge)");
  r.add("aten::_pad_circular", "v iv", circular_by_concat, "Slice + Concat per padded dim");
  r.add("aten::_pad_circular", "v iv", mode_pad("wrap"), "Pad (wrap)", {.since = 19});
}

}  // namespace kiln
