#include "quantize_onnx/dynamic_rewrite.h"

#include <map>

#include "common/error.h"
#include "onnx/graph_edit.h"
#include "onnx/graph_view.h"
#include "quantize_onnx/quant_params.h"
#include "quantize_onnx/quant_plan.h"

namespace kiln {

namespace {

// [N, K] → [K, N] (Gemm's transB = 1 weights; MatMulInteger has no transpose).
HostTensor transposed(const HostTensor& w) {
  HostTensor t(w.name, w.dtype, {w.shape[1], w.shape[0]});
  const float* src = w.ptr<float>();
  float* dst = t.ptr<float>();
  for (int64_t r = 0; r < w.shape[0]; ++r)
    for (int64_t c = 0; c < w.shape[1]; ++c) dst[c * w.shape[0] + r] = src[r * w.shape[1] + c];
  return t;
}

}  // namespace

DynamicSummary quantize_dynamic_model(onnx::ModelProto& model,
                                      const std::set<std::string>& exclude) {
  ModelScope scope(model);
  if (scope.opset("") < 11)
    throw Error(
        "quantize: dynamic quantization needs opset 11 or later (DynamicQuantizeLinear); "
        "the model imports opset " +
        std::to_string(scope.opset("")));
  auto& graph = *model.mutable_graph();
  GraphView view(graph, scope);
  DynamicSummary summary;
  std::map<int, std::vector<onnx::NodeProto>> replacements;  // node index → its chain
  std::set<std::string> labels, float_weights;
  for (const auto& q : quantizable_nodes(view, false)) {
    labels.insert(q.label);
    if (q.op == "Conv") {
      summary.skipped.push_back(
          q.label + " (Conv: no int8-weight ConvInteger in ONNX Runtime's CPU provider)");
      continue;
    }
    if (exclude.count(q.label)) continue;
    const auto& node = view.node(q.index);
    HostTensor w = view.required_constant(q.weight);
    if (q.op == "Gemm" && attr_int(node, "transB", 0) != 0) w = transposed(w);
    QuantParams wp = weight_params(w, -1);
    auto name = [&](const std::string& base) { return scope.unique_name(q.label + "_" + base); };
    std::string wq = name("weight_quantized"), ws = name("weight_scale"),
                wzp = name("weight_zero_point");
    add_initializer(view, quantize(w, wp, wq));
    add_initializer(view, scale_tensor(wp, ws));
    add_initializer(view, zero_point_tensor(wp, wzp));
    std::string xq = name("x_quantized"), xs = name("x_scale"), xzp = name("x_zero_point");
    std::string acc = name("matmul_int32"), accf = name("matmul_float"), scale = name("scale");
    const std::string& out = node.output(0);
    std::string scaled = q.bias.empty() ? out : name("scaled");
    std::vector<onnx::NodeProto> chain;
    chain.push_back(
        make_node("DynamicQuantizeLinear", {q.activation}, {xq, xs, xzp}, name("quantize")));
    chain.push_back(make_node("MatMulInteger", {xq, wq, xzp, wzp}, {acc}, name("matmul_integer")));
    auto cast = make_node("Cast", {acc}, {accf}, name("cast"));
    set_attr_int(cast, "to", 1);
    chain.push_back(cast);
    chain.push_back(make_node("Mul", {xs, ws}, {scale}, name("scale_mul")));
    chain.push_back(make_node("Mul", {accf, scale}, {scaled}, name("rescale")));
    if (!q.bias.empty())
      chain.push_back(make_node("Add", {scaled, q.bias}, {out}, name("bias_add")));
    replacements[q.index] = std::move(chain);
    float_weights.insert(q.weight);
    summary.quantized.push_back(q.label);
  }
  for (const auto& e : exclude)
    if (!labels.count(e)) throw UsageError("--exclude: '" + e + "' is not a quantizable node");
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i = 0; i < graph.node_size(); ++i) {
    auto it = replacements.find(i);
    if (it == replacements.end()) {
      *nodes.Add() = std::move(*graph.mutable_node(i));
      continue;
    }
    for (auto& n : it->second) *nodes.Add() = std::move(n);
  }
  graph.mutable_node()->Swap(&nodes);
  view.rebuild();
  for (const auto& w : float_weights) drop_if_unused(view, w);
  return summary;
}

}  // namespace kiln
