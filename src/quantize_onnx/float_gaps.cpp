#include "quantize_onnx/float_gaps.h"

#include <map>
#include <set>
#include <string>

namespace kiln {

namespace {

std::string why_float(const onnx::NodeProto& quantized, const onnx::NodeProto& reader) {
  if (reader.op_type() == "BatchNormalization" && quantized.op_type() == "Conv")
    return "a BatchNormalization after a Conv folds into the Conv's weights (kiln's "
           "fuse_bn_into_conv); quantize with pre-optimization on (without --no-preoptimize)";
  return reader.op_type() +
         " is not quantized by kiln's plan (only Conv, MatMul, Gemm, data movement, ReLU, Add, "
         "Mul, Sigmoid and average pooling are), so its input is dequantized and its output "
         "re-quantized";
}

}  // namespace

std::vector<FloatGapRecord> float_gaps(const GraphView& view, const QuantPlan& plan) {
  std::set<std::string> int8_readers;  // "node label|input" pairs that read an INT8 activation
  for (const auto& q : plan.nodes) int8_readers.insert(q.label + "|" + q.activation);
  std::map<int, std::string> integer_ops;  // node index → the tensor its pair follows
  for (const auto& op : plan.integer_ops) integer_ops[op.index] = op.output;
  std::vector<FloatGapRecord> out;
  for (const auto& q : plan.nodes) {
    if (q.output.empty()) continue;  // a graph output: float by design
    const onnx::NodeProto& node = view.node(q.index);
    std::vector<std::string> frontier{q.output};
    std::set<std::string> seen;
    while (!frontier.empty()) {
      std::string t = frontier.back();
      frontier.pop_back();
      if (!seen.insert(t).second) continue;
      for (int c : view.consumers(t)) {
        const onnx::NodeProto& reader = view.node(c);
        const std::string label = node_label(reader, c);
        if (int8_readers.count(label + "|" + t)) continue;
        if (reader.output_size() == 1 && plan.shares_params_with.count(reader.output(0))) {
          frontier.push_back(reader.output(0));  // data movement on the same uint8 values
          continue;
        }
        if (auto it = integer_ops.find(c); it != integer_ops.end()) {
          frontier.push_back(it->second);  // a QLinear op: the chain goes on after its pair
          continue;
        }
        out.push_back({q.label, q.op, label, reader.op_type(), why_float(node, reader)});
      }
    }
  }
  return out;
}

}  // namespace kiln
