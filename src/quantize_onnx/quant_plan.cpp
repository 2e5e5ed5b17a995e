#include "quantize_onnx/quant_plan.h"

#include <algorithm>

#include "common/error.h"

namespace kiln {

namespace {

constexpr int32_t kFloat = 1;  // onnx::TensorProto::FLOAT

bool is_float_constant(const GraphView& view, const std::string& name, size_t rank_min,
                       size_t rank_max) {
  if (name.empty() || !view.is_constant(name)) return false;
  auto t = view.constant(name);
  return t && t->dtype == DType::Float32 && t->shape.size() >= rank_min &&
         t->shape.size() <= rank_max;
}

bool is_float_activation(const GraphView& view, const std::string& name) {
  return !name.empty() && !view.is_constant(name) && view.elem_type(name) == kFloat;
}

std::optional<QuantizedNode> match(const GraphView& view, int index, bool per_channel) {
  const auto& node = view.node(index);
  if (!is_standard_domain(node.domain()) || node.output_size() < 1) return std::nullopt;
  QuantizedNode q;
  q.index = index;
  q.label = node_label(node, index);
  q.op = node.op_type();
  q.activation = input_or_empty(node, 0);
  q.weight = input_or_empty(node, 1);
  q.bias = input_or_empty(node, 2);
  if (!is_float_activation(view, q.activation)) return std::nullopt;
  if (q.op == "Conv") {
    if (!is_float_constant(view, q.weight, 3, 5)) return std::nullopt;
    if (!q.bias.empty() && !is_float_constant(view, q.bias, 1, 1)) return std::nullopt;
    q.weight_axis = per_channel ? 0 : -1;  // W is [M, C/group, k…]: axis 0 is the output channel
    const Shape w = view.required_constant(q.weight).shape;
    q.input_channels = w[1];
    if (attr_int(node, "group", 1) == 1 && w.size() == 4 && w[1] < kPaddedInputChannels)
      q.padded_channels = kPaddedInputChannels;
  } else if (q.op == "MatMul") {
    if (!is_float_constant(view, q.weight, 2, 2) || node.input_size() != 2) return std::nullopt;
  } else if (q.op == "Gemm") {
    if (attr_float(node, "alpha", 1.0f) != 1.0f || attr_int(node, "transA", 0) != 0)
      return std::nullopt;
    if (!is_float_constant(view, q.weight, 2, 2)) return std::nullopt;
    if (!q.bias.empty()) {
      if (attr_float(node, "beta", 1.0f) != 1.0f || !is_float_constant(view, q.bias, 1, 1))
        return std::nullopt;
      const Shape w = view.required_constant(q.weight).shape;
      int64_t n = w[attr_int(node, "transB", 0) ? 0 : 1];
      if (view.required_constant(q.bias).shape[0] != n) return std::nullopt;  // a broadcast scalar bias
    }
  } else {
    return std::nullopt;
  }
  // The output: a graph output stays float; a lone ReLU reader moves the pair behind the ReLU.
  const std::string& out = node.output(0);
  if (!view.is_graph_output(out) && view.elem_type(out) == kFloat) {
    q.output = out;
    const auto& readers = view.consumers(out);
    if (readers.size() == 1) {
      const auto& r = view.node(readers[0]);
      if (r.op_type() == "Relu" && is_standard_domain(r.domain()) &&
          !view.is_graph_output(r.output(0)))
        q.output = r.output(0);
    }
  }
  return q;
}

bool is_data_movement(const onnx::NodeProto& node) {
  static const std::set<std::string> ops = {"MaxPool",   "Flatten", "Reshape",
                                            "Transpose", "Squeeze", "Unsqueeze"};
  if (!is_standard_domain(node.domain()) || !ops.count(node.op_type())) return false;
  return node.output_size() == 1;  // MaxPool with Indices moves no data alone
}

}  // namespace

std::string node_label(const onnx::NodeProto& node, int index) {
  return node.name().empty() ? node.op_type() + "#" + std::to_string(index) : node.name();
}

std::vector<std::string> QuantPlan::calibrated() const {
  std::vector<std::string> out;
  for (const auto& a : activations)
    if (!shares_params_with.count(a)) out.push_back(a);
  return out;
}

std::vector<QuantizedNode> quantizable_nodes(const GraphView& view, bool per_channel) {
  std::vector<QuantizedNode> out;
  for (int i = 0; i < view.node_count(); ++i)
    if (auto q = match(view, i, per_channel)) out.push_back(std::move(*q));
  return out;
}

QuantPlan plan_quantization(const GraphView& view, const PlanOptions& options) {
  auto candidates = quantizable_nodes(view, options.per_channel);
  for (const auto& label : options.exclude) {
    bool known = std::any_of(candidates.begin(), candidates.end(),
                             [&](const QuantizedNode& q) { return q.label == label; });
    if (!known) {
      std::string names;
      for (const auto& q : candidates) names += (names.empty() ? "" : ", ") + q.label;
      throw UsageError("--exclude: '" + label + "' is not a quantizable node (those are: " + names +
                       ")");
    }
  }
  QuantPlan plan;
  std::set<std::string> wanted;
  for (auto& q : candidates) {
    if (options.exclude.count(q.label)) continue;
    if (!options.pad_channels) q.padded_channels = 0;
    wanted.insert(q.activation);
    if (!q.output.empty()) wanted.insert(q.output);
    plan.nodes.push_back(std::move(q));
  }
  // Data movement after a quantized tensor reuses its parameters (graph order is topological).
  auto root_of = [&](const std::string& t) {
    auto it = plan.shares_params_with.find(t);
    return it == plan.shares_params_with.end() ? t : it->second;
  };
  for (int i = 0; i < view.node_count(); ++i) {
    const auto& node = view.node(i);
    if (!is_data_movement(node) || !wanted.count(node.input(0))) continue;
    const std::string& out = node.output(0);
    if (view.is_graph_output(out) || view.elem_type(out) != kFloat) continue;
    plan.shares_params_with[out] = root_of(node.input(0));
    wanted.insert(out);
  }
  // Order: graph inputs first, then node outputs in graph order (where their pairs are inserted).
  for (const auto& in : view.graph().input())
    if (wanted.count(in.name())) plan.activations.push_back(in.name());
  for (int i = 0; i < view.node_count(); ++i)
    for (const auto& out : view.node(i).output())
      if (wanted.count(out)) plan.activations.push_back(out);
  return plan;
}

}  // namespace kiln
