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

// A ReLU, or a Clip from 0 to a constant maximum (ReLU6): a uint8 pair after it with zero point 0
// clamps as it does, so ONNX Runtime removes it and the int8 kernel before it writes the pair.
bool is_relu_like(const GraphView& view, const onnx::NodeProto& n) {
  if (!is_standard_domain(n.domain()) || n.output_size() != 1) return false;
  if (n.op_type() == "Relu") return true;
  if (n.op_type() != "Clip") return false;
  std::optional<double> lo, hi;
  if (n.input_size() > 1) {  // opset 11+: min and max are inputs
    auto a = view.constant_values(input_or_empty(n, 1));
    auto b = view.constant_values(input_or_empty(n, 2));
    if (a && a->size() == 1) lo = (*a)[0];
    if (b && b->size() == 1) hi = (*b)[0];
  } else {
    lo = attr_float(n, "min", -1.0f);
    hi = attr_float(n, "max", -1.0f);
  }
  return lo && hi && *lo == 0.0 && *hi > 0.0;
}

// The tensor whose Q→DQ follows `out`: `out` itself, or the output of its lone ReLU-like reader.
std::string pair_after(const GraphView& view, const std::string& out) {
  const auto& readers = view.consumers(out);
  if (readers.size() == 1) {
    const auto& r = view.node(readers[0]);
    if (is_relu_like(view, r) && !view.is_graph_output(r.output(0))) return r.output(0);
  }
  return out;
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
  if (!view.is_graph_output(out) && view.elem_type(out) == kFloat) q.output = pair_after(view, out);
  return q;
}

// Ops ONNX Runtime runs on uint8 with their own output scale (QLinearAdd, QLinearMul,
// QLinearGlobalAveragePool, QLinearAveragePool, QLinearSigmoid) when every input and the output
// have pairs.
bool is_requantizing(const onnx::NodeProto& node) {
  static const std::set<std::string> ops = {"Add", "Mul", "GlobalAveragePool", "AveragePool",
                                            "Sigmoid"};
  if (!is_standard_domain(node.domain()) || !ops.count(node.op_type())) return false;
  const bool binary = node.op_type() == "Add" || node.op_type() == "Mul";
  return node.output_size() == 1 && node.input_size() == (binary ? 2 : 1);
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
  // Data movement after a quantized tensor reuses its parameters; an Add of two quantized tensors
  // and a pooling average of one get a calibrated pair of their own (graph order is topological).
  auto root_of = [&](const std::string& t) {
    auto it = plan.shares_params_with.find(t);
    return it == plan.shares_params_with.end() ? t : it->second;
  };
  for (int i = 0; i < view.node_count(); ++i) {
    const auto& node = view.node(i);
    const bool moves = is_data_movement(node), requantizes = is_requantizing(node);
    if (!moves && !requantizes) continue;
    // Data movement: the data input (Reshape's shape, Squeeze's axes are constants); the others:
    // every input.
    auto quantized = [&](const std::string& in) { return wanted.count(in) > 0; };
    if (moves ? !quantized(node.input(0))
              : !std::all_of(node.input().begin(), node.input().end(), quantized))
      continue;
    const std::string& out = node.output(0);
    if (view.is_graph_output(out) || view.elem_type(out) != kFloat) continue;
    if (moves) {
      plan.shares_params_with[out] = root_of(node.input(0));
      wanted.insert(out);
    } else {
      const std::string pair = pair_after(view, out);
      plan.integer_ops.push_back({i, node_label(node, i), node.op_type(), pair});
      wanted.insert(pair);
    }
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
