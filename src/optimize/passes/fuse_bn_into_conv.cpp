// fuse_bn_into_conv: Conv(X, W[, B]) → BatchNormalization(scale, bias, mean, var, eps) at inference
// becomes Conv(X, W', B') with s = scale / sqrt(var + eps), W'[m] = W[m]·s[m],
// B'[m] = (B[m] − mean[m])·s[m] + bias[m]. Only float/double, computed in double and rounded once
// (onnxoptimizer computes in the tensor's type and drifts). Weights may be initializers or
// Constant nodes; groups need nothing special since W's first axis is the output channel.
#include <cmath>
#include <type_traits>

#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace fuse_bn_into_conv_rule {  // the pass's own names: passes share unity batches

struct Match {
  int conv, bn;
  std::string w;  // the weight, a float or double constant of rank >= 3 (read when rewriting)
  DType dtype;
  int64_t channels;
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
  // The weight's type and shape, without copying it: its values are read once, when rewriting.
  const std::string& w = conv.input(1);
  if (!view.is_constant(w) || !is_float_or_double(view.elem_type(w))) return std::nullopt;
  auto shape = view.shape(w);
  if (!shape || shape->size() < 3 || (*shape)[0] <= 0) return std::nullopt;
  int64_t m = (*shape)[0];
  Match out{c, i, w, static_cast<DType>(view.elem_type(w)), m, std::vector<double>(static_cast<size_t>(m), 0.0),
            {}, {}, {}, {}, 0};
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
  const int64_t channels = m.channels;
  const bool f32 = m.dtype == DType::Float32;
  std::vector<double> s(static_cast<size_t>(channels));
  for (int64_t k = 0; k < channels; ++k) {
    auto ku = static_cast<size_t>(k);
    s[ku] = m.scale[ku] / std::sqrt(m.var[ku] + m.eps);
  }
  // Row k of the weight times s[k], into `dst` (typed loops: a network's convolutions are most
  // of its weights, and element-wise at()/set() took 0.8 s on deeplabv3_resnet101's 42 M).
  auto scale_rows = [&](auto* dst, const auto* src, int64_t numel) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(dst)>>;
    const int64_t per = numel / channels;
    for (int64_t k = 0; k < channels; ++k)
      for (int64_t j = k * per; j < (k + 1) * per; ++j)
        dst[j] = static_cast<T>(static_cast<double>(src[j]) * s[static_cast<size_t>(k)]);
  };
  // A weight only this Conv reads, held as raw bytes by this graph: scaled where it is, with no
  // copy of it (the exporter folds every BatchNormalization of a network this way). Otherwise
  // the scaled weight is a new initializer.
  std::string w_name = m.w;
  onnx::TensorProto* own = view.is_graph_input(m.w) || view.use_count(m.w) != 1 ? nullptr : view.own_initializer(m.w);
  int64_t numel = 1;
  if (own) {
    for (auto d : own->dims()) numel *= d;
    size_t expected = static_cast<size_t>(numel) * (f32 ? sizeof(float) : sizeof(double));
    if (!own->has_raw_data() || own->raw_data().size() != expected) own = nullptr;
  }
  if (own) {
    char* bytes = own->mutable_raw_data()->data();
    if (f32) scale_rows(reinterpret_cast<float*>(bytes), reinterpret_cast<const float*>(bytes), numel);
    else scale_rows(reinterpret_cast<double*>(bytes), reinterpret_cast<const double*>(bytes), numel);
  } else {
    HostTensor src = view.required_constant(m.w);
    HostTensor w(view.scope().unique_name(m.w + "_bn_fused"), src.dtype, src.shape);
    if (f32) scale_rows(w.ptr<float>(), src.ptr<float>(), src.numel());
    else scale_rows(w.ptr<double>(), src.ptr<double>(), src.numel());
    add_initializer(view, w);
    w_name = w.name;
  }
  HostTensor b(view.scope().unique_name(bn.output(0) + "_bias"), m.dtype, {channels});
  for (int64_t k = 0; k < channels; ++k) {
    auto ku = static_cast<size_t>(k);
    b.set(k, (m.b[ku] - m.mean[ku]) * s[ku] + m.bias[ku]);
  }
  add_initializer(view, b);
  std::vector<std::string> old = {input_or_empty(conv, 2)};
  if (w_name != m.w) old.push_back(m.w);
  for (int k = 1; k < 5; ++k) old.push_back(bn.input(k));
  conv.set_input(1, w_name);
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
