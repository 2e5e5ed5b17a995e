#include "quantize_onnx/qdq_rewrite.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "common/error.h"
#include "onnx/graph_edit.h"
#include "onnx/graph_view.h"

namespace kiln {

std::map<std::string, QuantParams> activation_quant_params(
    const QuantPlan& plan, const std::map<std::string, Range>& ranges) {
  std::map<std::string, QuantParams> out;
  for (const auto& t : plan.calibrated()) {
    auto it = ranges.find(t);
    if (it == ranges.end()) throw Error("quantize: no calibration range for tensor '" + t + "'");
    out[t] = activation_params(it->second.min, it->second.max);
  }
  for (const auto& [t, root] : plan.shares_params_with) out[t] = out.at(root);
  return out;
}

namespace {

// Adds scale and zero-point initializers and a node (QuantizeLinear or DequantizeLinear).
onnx::NodeProto qdq_node(GraphView& view, const std::string& op, const std::string& input,
                         const std::string& output, const QuantParams& p, const std::string& base) {
  std::string scale = view.scope().unique_name(base + "_scale");
  std::string zp = view.scope().unique_name(base + "_zero_point");
  add_initializer(view, scale_tensor(p, scale));
  add_initializer(view, zero_point_tensor(p, zp));
  auto node = make_node(op, {input, scale, zp}, {output}, view.scope().unique_name(output));
  if (p.per_channel()) set_attr_int(node, "axis", p.axis);
  return node;
}

// A Conv weight [M, C, kh, kw] with zero weights appended along C up to `channels`.
HostTensor pad_input_channels(const HostTensor& w, int64_t channels) {
  const Shape& s = w.shape;
  HostTensor out(w.name, w.dtype, {s[0], channels, s[2], s[3]});
  const size_t slice = static_cast<size_t>(s[1] * s[2] * s[3]) * dtype_size(w.dtype);
  const size_t padded = static_cast<size_t>(channels * s[2] * s[3]) * dtype_size(w.dtype);
  for (int64_t m = 0; m < s[0]; ++m)
    out.data.replace(static_cast<size_t>(m) * padded, slice, w.data, static_cast<size_t>(m) * slice,
                     slice);
  return out;
}

// Q(x) → Pad → DQ for a Conv whose input is padded along the channel axis (quant_plan.h): the
// uint8 padding is the zero point, so the added channels dequantize to exactly 0.
std::vector<onnx::NodeProto> padded_input(GraphView& view, const std::string& quantized,
                                          const QuantParams& p, const QuantizedNode& q) {
  ModelScope& scope = view.scope();
  std::string pads = scope.unique_name(q.activation + "_channel_pads");
  std::vector<double> amounts(8, 0.0);
  amounts[4 + 1] = static_cast<double>(q.padded_channels - q.input_channels);  // end of axis 1
  add_initializer(view, make_tensor(pads, DType::Int64, {8}, amounts));
  std::string value = scope.unique_name(q.activation + "_pad_value");
  add_initializer(view, zero_point_tensor(p, value));
  std::string padded = scope.unique_name(quantized + "_padded");
  std::string padded_dq = scope.unique_name(q.activation + "_padded_dequantized");
  std::vector<onnx::NodeProto> nodes;
  nodes.push_back(make_node("Pad", {quantized, pads, value}, {padded}, scope.unique_name(padded)));
  nodes.push_back(qdq_node(view, "DequantizeLinear", padded, padded_dq, p, q.activation));
  return nodes;
}

}  // namespace

QdqSummary write_qdq(onnx::ModelProto& model, const QuantPlan& plan,
                     const std::map<std::string, QuantParams>& activations) {
  ModelScope scope(model, /*infer_types=*/false);
  int64_t opset = scope.opset("");
  if (opset < 13)
    throw Error("quantize: the model imports opset " + std::to_string(opset) +
                "; static quantization needs opset 13 or later (per-channel DequantizeLinear)");
  auto& graph = *model.mutable_graph();
  GraphView view(graph, scope);
  QdqSummary summary;

  // Constants first: int8 weights and int32 biases behind DequantizeLinear, at the graph's start.
  std::vector<onnx::NodeProto> front;
  // (weight, axis, padded channels) → its DequantizeLinear output and parameters.
  std::map<std::tuple<std::string, int64_t, int64_t>, std::pair<std::string, QuantParams>> weights;
  std::vector<std::pair<int, std::pair<int, std::string>>> rewires;  // node, slot, new input
  std::set<std::string> float_constants;
  for (const auto& q : plan.nodes) {
    auto key = std::make_tuple(q.weight, q.weight_axis, q.padded_channels);
    if (!weights.count(key)) {
      HostTensor w = view.required_constant(q.weight);
      if (q.padded_channels > 0) w = pad_input_channels(w, q.padded_channels);
      QuantParams wp = weight_params(w, q.weight_axis);
      std::string wq = scope.unique_name(q.weight + "_quantized");
      std::string wdq = scope.unique_name(q.weight + "_dequantized");
      add_initializer(view, quantize(w, wp, wq));
      front.push_back(qdq_node(view, "DequantizeLinear", wq, wdq, wp, q.weight));
      weights[key] = {wdq, wp};
      ++summary.weights;
    }
    const auto& [wdq, wp] = weights.at(key);
    rewires.push_back({q.index, {1, wdq}});
    float_constants.insert(q.weight);
    if (!q.bias.empty()) {
      const QuantParams& xp = activations.at(q.activation);
      QuantParams bp = bias_params(xp.scale[0], wp);
      HostTensor b = view.required_constant(q.bias);
      std::string bq = scope.unique_name(q.bias + "_quantized");
      std::string bdq = scope.unique_name(q.bias + "_dequantized");
      add_initializer(view, quantize(b, bp, bq));
      front.push_back(qdq_node(view, "DequantizeLinear", bq, bdq, bp, q.bias));
      rewires.push_back({q.index, {2, bdq}});
      float_constants.insert(q.bias);
      ++summary.biases;
    }
    ++summary.quantized_nodes;
  }
  for (const auto& [index, slot] : rewires)
    graph.mutable_node(index)->set_input(slot.first, slot.second);

  // Activations: Q→DQ right after the value is made; every reader takes the dequantized value,
  // except a padded Conv, which reads its own Pad → DQ of the quantized value (below). A value
  // only padded Convs read gets no plain DQ.
  std::set<int> padded_convs;
  for (const auto& q : plan.nodes)
    if (q.padded_channels > 0) padded_convs.insert(q.index);
  std::map<std::string, std::vector<onnx::NodeProto>> after;  // tensor → its pair
  std::vector<std::pair<std::string, std::string>> renames;
  std::map<std::string, std::string> quantized;  // tensor → its QuantizeLinear output
  for (const auto& t : plan.activations) {
    const QuantParams& p = activations.at(t);
    std::string tq = scope.unique_name(t + "_quantized");
    after[t].push_back(qdq_node(view, "QuantizeLinear", t, tq, p, t));
    quantized[t] = tq;
    ++summary.qdq_pairs;
    const auto& readers = view.consumers(t);
    if (std::all_of(readers.begin(), readers.end(), [&](int r) { return padded_convs.count(r); }))
      continue;
    std::string tdq = scope.unique_name(t + "_dequantized");
    after[t].push_back(qdq_node(view, "DequantizeLinear", tq, tdq, p, t));
    renames.push_back({t, tdq});
  }
  // The pairs are not in the graph yet, so the Q nodes keep reading the float value.
  for (const auto& [from, to] : renames) replace_uses(graph, from, to);
  for (const auto& q : plan.nodes) {
    if (q.padded_channels == 0) continue;
    auto pad = padded_input(view, quantized.at(q.activation), activations.at(q.activation), q);
    graph.mutable_node(q.index)->set_input(0, pad.back().output(0));
    for (auto& n : pad) after[q.activation].push_back(std::move(n));
    ++summary.padded_inputs;
  }

  // Rebuild the node list: weight DQs, graph-input pairs, then each node followed by its pairs.
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (auto& n : front) *nodes.Add() = std::move(n);
  auto emit_pairs = [&](const std::string& t) {
    auto it = after.find(t);
    if (it == after.end()) return;
    for (auto& n : it->second) *nodes.Add() = std::move(n);
    after.erase(it);
  };
  for (const auto& in : graph.input()) emit_pairs(in.name());
  for (auto& n : *graph.mutable_node()) {
    std::vector<std::string> outs(n.output().begin(), n.output().end());
    *nodes.Add() = std::move(n);
    for (const auto& o : outs) emit_pairs(o);
  }
  if (!after.empty())
    throw Error("quantize: tensor '" + after.begin()->first +
                "' is neither a graph input nor a node output");
  graph.mutable_node()->Swap(&nodes);
  view.rebuild();
  for (const auto& c : float_constants) drop_if_unused(view, c);
  return summary;
}

}  // namespace kiln
