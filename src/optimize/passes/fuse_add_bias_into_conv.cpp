// fuse_add_bias_into_conv: Conv(X, W[, B0]) → Add(·, B) with a constant B that broadcasts per
// output channel ([M], [M,1,1], [1,M,1,1], or all ones) becomes Conv(X, W, B0 + B). Float/double
// only: the sum is computed in double and rounded once.
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace fuse_add_bias_into_conv_rule {  // the pass's own names: passes share unity batches

struct Match {
  int conv, add;
  std::string bias;         // the Add's constant operand
  std::vector<double> sum;  // per-channel bias after the fusion
  bool reuse_bias;          // the Add's operand is already [M] and the Conv had no bias
};

// B's values per output channel, when B broadcasts along the channel axis of a rank-`rank` output.
std::optional<std::vector<double>> channel_bias(const HostTensor& b, size_t rank, int64_t m) {
  if (b.shape.size() > rank) return std::nullopt;
  size_t offset = rank - b.shape.size();  // B's dims are right-aligned against the output's
  bool along_channel = false;
  for (size_t d = 0; d < b.shape.size(); ++d) {
    size_t axis = d + offset;
    if (b.shape[d] == 1) continue;
    if (axis == 1 && b.shape[d] == m)
      along_channel = true;
    else
      return std::nullopt;
  }
  std::vector<double> v = b.to_doubles();
  if (!along_channel) v.assign(static_cast<size_t>(m), v.empty() ? 0.0 : v[0]);
  return v;
}

std::optional<Match> match(const GraphView& view, int i) {
  const auto& add = view.node(i);
  if (add.op_type() != "Add" || !is_standard_domain(add.domain()) || add.input_size() != 2 ||
      add.attribute_size() > 0) {
    return std::nullopt;
  }
  for (int k = 0; k < 2; ++k) {
    int c = fusable_producer(view, add.input(k), "Conv");
    if (c < 0) continue;
    const auto& conv = view.node(c);
    auto w_shape = conv.input_size() >= 2 ? view.shape(conv.input(1)) : std::nullopt;
    int32_t type = conv.input_size() >= 2 ? view.elem_type(conv.input(1)) : 0;
    if (!w_shape || w_shape->size() < 3 || (*w_shape)[0] <= 0 || !is_float_or_double(type))
      continue;
    auto b = view.constant(add.input(1 - k));
    if (!b || static_cast<int32_t>(b->dtype) != type) continue;
    int64_t m = (*w_shape)[0];
    auto values = channel_bias(*b, w_shape->size(), m);
    if (!values) continue;
    std::string old_bias = input_or_empty(conv, 2);
    Match out{c, i, add.input(1 - k), *values, old_bias.empty() && b->shape == Shape{m}};
    if (!old_bias.empty()) {
      auto b0 = view.constant_values(old_bias);
      if (!b0 || b0->size() != out.sum.size()) continue;
      for (size_t j = 0; j < out.sum.size(); ++j) out.sum[j] += (*b0)[j];
    }
    return out;
  }
  return std::nullopt;
}

bool rewrite(GraphView& view, Match& m) {
  onnx::NodeProto conv = view.node(m.conv);
  const std::string out = view.node(m.add).output(0);
  std::string old_bias = input_or_empty(conv, 2);
  std::string bias = m.bias;
  if (!m.reuse_bias) {
    if (view.parent() && view.scope().ir_version() < 4)
      return false;  // IR 3 subgraphs: no new initializers
    auto type = static_cast<DType>(view.elem_type(conv.input(1)));
    bias = view.scope().unique_name(out + "_bias");
    add_initializer(view, make_tensor(bias, type, {static_cast<int64_t>(m.sum.size())}, m.sum));
  }
  if (conv.input_size() > 2)
    conv.set_input(2, bias);
  else
    conv.add_input(bias);
  conv.set_output(0, out);
  replace_pattern(view.graph(), m.add, conv, {m.conv});
  view.rebuild();
  drop_if_unused(view, m.bias);
  drop_if_unused(view, old_bias);
  return true;
}

}  // namespace fuse_add_bias_into_conv_rule
}  // namespace

PassInfo fuse_add_bias_into_conv() {
  using namespace fuse_add_bias_into_conv_rule;
  return {"fuse_add_bias_into_conv",
          "fold a per-channel constant Add after a Conv into its bias (float/double)",
          [](GraphView& view) { return rewrite_matches<Match>(view, match, rewrite); }};
}

}  // namespace kiln::passes
