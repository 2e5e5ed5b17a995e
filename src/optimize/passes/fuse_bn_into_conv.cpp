// fuse_bn_into_conv: Conv(X, W[, B]) → BatchNormalization(scale, bias, mean, var, eps) at inference
// becomes Conv(X, W', B') with s = scale / sqrt(var + eps), W'[m] = W[m]·s[m],
// B'[m] = (B[m] − mean[m])·s[m] + bias[m]. Only float/double, computed in double and rounded once
// (onnxoptimizer computes in the tensor's type and drifts). Weights may be initializers or
// Constant nodes; groups need nothing special since W's first axis is the output channel.
#include <cmath>

#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace fuse_bn_into_conv_rule {  // the pass's own names: passes share unity batches

struct Match {
  int conv, bn;
  HostTensor w;
  std::vector<double> b, scale, bias, mean, var;
  double eps;
};

bool bn_is_inference(const GraphView& view, const onnx::NodeProto& bn) {
  int64_t opset = view.scope().opset();
  if (opset < 7 && attr_int(bn, "is_test", 0) == 0) return false;
  if (opset < 9 && attr_int(bn, "spatial", 1) != 1) return false;
  if (attr_int(bn, "training_mode", 0) != 0) return false;
  for (int k = 1; k < bn.output_size(); ++k) {  // running mean/var outputs exist only in training
    if (!bn.output(k).empty() && view.use_count(bn.output(k)) > 0) return false;
  }
  return true;
}

std::optional<std::vector<double>> per_channel(const GraphView& view, const std::string& name,
                                               int64_t m) {
  auto t = view.constant(name);
  if (!t || !is_float_or_double(static_cast<int32_t>(t->dtype)) || t->numel() != m ||
      t->shape.size() != 1) {
    return std::nullopt;
  }
  return t->to_doubles();
}

std::optional<Match> match(const GraphView& view, int i) {
  const auto& bn = view.node(i);
  if (bn.op_type() != "BatchNormalization" || !is_standard_domain(bn.domain()) ||
      bn.input_size() != 5) {
    return std::nullopt;
  }
  if (!bn_is_inference(view, bn)) return std::nullopt;
  int c = fusable_producer(view, bn.input(0), "Conv");
  if (c < 0) return std::nullopt;
  const auto& conv = view.node(c);
  if (conv.input_size() < 2) return std::nullopt;
  auto w = view.constant(conv.input(1));
  if (!w || !is_float_or_double(static_cast<int32_t>(w->dtype)) || w->shape.size() < 3 ||
      w->shape[0] <= 0) {
    return std::nullopt;
  }
  int64_t m = w->shape[0];
  Match out{c,  i, std::move(*w), std::vector<double>(static_cast<size_t>(m), 0.0), {}, {}, {},
            {}, 0};
  if (std::string b = input_or_empty(conv, 2); !b.empty()) {
    auto values = per_channel(view, b, m);
    if (!values) return std::nullopt;
    out.b = *values;
  }
  auto scale = per_channel(view, bn.input(1), m), bias = per_channel(view, bn.input(2), m);
  auto mean = per_channel(view, bn.input(3), m), var = per_channel(view, bn.input(4), m);
  if (!scale || !bias || !mean || !var) return std::nullopt;
  out.scale = *scale;
  out.bias = *bias;
  out.mean = *mean;
  out.var = *var;
  out.eps = attr_float(bn, "epsilon", 1e-5f);
  return out;
}

bool rewrite(GraphView& view, Match& m) {
  if (view.parent() && view.scope().ir_version() < 4)
    return false;  // IR 3 subgraphs: no new initializers
  onnx::NodeProto conv = view.node(m.conv);
  const onnx::NodeProto bn = view.node(m.bn);
  int64_t channels = m.w.shape[0];
  int64_t per = m.w.numel() / channels;
  HostTensor w(view.scope().unique_name(conv.input(1) + "_bn_fused"), m.w.dtype, m.w.shape);
  HostTensor b(view.scope().unique_name(bn.output(0) + "_bias"), m.w.dtype, {channels});
  for (int64_t k = 0; k < channels; ++k) {
    auto ku = static_cast<size_t>(k);
    double s = m.scale[ku] / std::sqrt(m.var[ku] + m.eps);
    for (int64_t j = 0; j < per; ++j) w.set(k * per + j, m.w.at(k * per + j) * s);
    b.set(k, (m.b[ku] - m.mean[ku]) * s + m.bias[ku]);
  }
  add_initializer(view, w);
  add_initializer(view, b);
  std::vector<std::string> old = {conv.input(1), input_or_empty(conv, 2)};
  for (int k = 1; k < 5; ++k) old.push_back(bn.input(k));
  conv.set_input(1, w.name);
  if (conv.input_size() > 2)
    conv.set_input(2, b.name);
  else
    conv.add_input(b.name);
  conv.set_output(0, bn.output(0));
  replace_pattern(view.graph(), m.bn, conv, {m.conv});
  view.rebuild();
  for (const auto& name : old) drop_if_unused(view, name);
  return true;
}

}  // namespace fuse_bn_into_conv_rule
}  // namespace

PassInfo fuse_bn_into_conv() {
  using namespace fuse_bn_into_conv_rule;
  return {"fuse_bn_into_conv",
          "fold an inference BatchNormalization into the Conv before it (float/double)",
          [](GraphView& view) { return rewrite_matches<Match>(view, match, rewrite); }};
}

}  // namespace kiln::passes
