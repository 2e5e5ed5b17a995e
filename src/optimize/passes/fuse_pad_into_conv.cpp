// fuse_pad_into_conv: a zero constant Pad of only the spatial axes before a Conv (auto_pad NOTSET)
// moves into the Conv's pads. Reflect/edge padding, a non-zero pad value or padding of the batch
// or channel axes stay as they are.
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace fuse_pad_into_conv_rule {  // the pass's own names: passes share unity batches

struct Match {
  int pad, conv;
  std::vector<int64_t> conv_pads;
};

// The Pad's pads in full [begin..., end...] form over `rank` axes, or nullopt.
std::optional<std::vector<int64_t>> full_pads(const GraphView& view, const onnx::NodeProto& pad,
                                              size_t rank) {
  std::vector<int64_t> pads;
  if (view.scope().opset() < 11) {
    auto p = attr_ints(pad, "pads");
    if (!p) return std::nullopt;
    pads = *p;
  } else {
    auto p = view.constant_values(input_or_empty(pad, 1));
    if (!p) return std::nullopt;
    for (double v : *p) pads.push_back(static_cast<int64_t>(v));
  }
  std::string axes_name = input_or_empty(pad, 3);
  if (axes_name.empty()) {
    if (pads.size() != 2 * rank) return std::nullopt;
    return pads;
  }
  auto axes = view.constant_values(axes_name);
  if (!axes || pads.size() != 2 * axes->size()) return std::nullopt;
  std::vector<int64_t> full(2 * rank, 0);
  for (size_t k = 0; k < axes->size(); ++k) {
    auto a = static_cast<int64_t>((*axes)[k]);
    if (a < 0) a += static_cast<int64_t>(rank);
    if (a < 0 || a >= static_cast<int64_t>(rank)) return std::nullopt;
    full[static_cast<size_t>(a)] += pads[k];
    full[static_cast<size_t>(a) + rank] += pads[k + axes->size()];
  }
  return full;
}

bool pads_with_zero(const GraphView& view, const onnx::NodeProto& pad) {
  if (attr_string(pad, "mode", "constant") != "constant") return false;
  if (view.scope().opset() < 11) return attr_float(pad, "value", 0.0f) == 0.0f;
  std::string value = input_or_empty(pad, 2);
  if (value.empty()) return true;
  auto v = view.constant_values(value);
  return v && v->size() <= 1 && (v->empty() || (*v)[0] == 0.0);
}

std::optional<Match> match(const GraphView& view, int i) {
  const auto& conv = view.node(i);
  if (conv.op_type() != "Conv" || !is_standard_domain(conv.domain()) || conv.input_size() < 2)
    return std::nullopt;
  if (attr_string(conv, "auto_pad", "NOTSET") != "NOTSET") return std::nullopt;
  int p = fusable_producer(view, conv.input(0), "Pad");
  if (p < 0) return std::nullopt;
  const auto& pad = view.node(p);
  auto w = view.shape(conv.input(1));
  if (!w || w->size() < 3 || !pads_with_zero(view, pad)) return std::nullopt;
  size_t rank = w->size(), spatial = rank - 2;
  auto pads = full_pads(view, pad, rank);
  if (!pads) return std::nullopt;
  for (int64_t v : *pads) {
    if (v < 0) return std::nullopt;  // negative pads crop
  }
  if ((*pads)[0] || (*pads)[1] || (*pads)[rank] || (*pads)[rank + 1]) return std::nullopt;
  std::vector<int64_t> conv_pads =
      attr_ints(conv, "pads").value_or(std::vector<int64_t>(2 * spatial, 0));
  if (conv_pads.size() != 2 * spatial) return std::nullopt;
  for (size_t d = 0; d < spatial; ++d) {
    conv_pads[d] += (*pads)[d + 2];
    conv_pads[d + spatial] += (*pads)[rank + d + 2];
  }
  return Match{p, i, conv_pads};
}

bool rewrite(GraphView& view, Match& m) {
  onnx::NodeProto conv = view.node(m.conv);
  conv.set_input(0, view.node(m.pad).input(0));
  set_attr_ints(conv, "pads", m.conv_pads);
  std::vector<std::string> pad_inputs(view.node(m.pad).input().begin() + 1,
                                      view.node(m.pad).input().end());
  replace_pattern(view.graph(), m.conv, conv, {m.pad});
  view.rebuild();
  for (const auto& name : pad_inputs) drop_if_unused(view, name);
  return true;
}

}  // namespace fuse_pad_into_conv_rule
}  // namespace

PassInfo fuse_pad_into_conv() {
  using namespace fuse_pad_into_conv_rule;
  return {"fuse_pad_into_conv",
          "move a zero constant spatial Pad before a Conv into the Conv's pads",
          [](GraphView& view) { return rewrite_matches<Match>(view, match, rewrite); }};
}

}  // namespace kiln::passes
