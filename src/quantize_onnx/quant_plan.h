#pragma once
// Where the quantize/dequantize pairs of a static INT8 model go (docs/quantization.md). The plan
// is decided on the float graph, before calibration, so calibration knows which tensors to watch:
//  - quantized nodes: Conv (constant float weight, constant 1-D bias or none), MatMul (constant
//    2-D B), Gemm (constant 2-D B, alpha = beta = 1, transA = 0, constant 1-D bias or none);
//  - every quantized node's activation input gets Q→DQ, and so does its output, except a graph
//    output (kept float); when the output's only reader is a ReLU, the ReLU's output gets the pair
//    instead (its range starts at 0, zero point 0, and ONNX Runtime folds the ReLU into the Q);
//  - speed rule (on by default): a Conv with group 1 and at most 3 input channels (a grayscale or
//    RGB first layer) stays float: ONNX Runtime's int8 convolution is slower than its float one
//    there (measured 1.3–2.8× slower at 1 and 3 input channels, faster from 8;
//    docs/quantization.md) and such a layer is also the most sensitive to quantization;
//  - data movement (MaxPool, Flatten, Reshape, Transpose, Squeeze, Unsqueeze) after a quantized
//    tensor gets a pair with the same scale and zero point, so it runs on uint8 and nothing is
//    re-quantized.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "onnx/graph_view.h"

namespace kiln {

struct QuantizedNode {
  int index = -1;
  std::string label;         // the node's name, or "<op>#<index>" when it has none
  std::string op;            // Conv, MatMul or Gemm
  std::string activation;    // input 0
  std::string weight;        // input 1 (a constant)
  std::string bias;          // input 2 ("" when none)
  int64_t weight_axis = -1;  // -1: per tensor; 0: per output channel (Conv)
  std::string output;        // the tensor whose Q→DQ follows the node ("" when it stays float)
  std::string float_faster;  // why the speed rule keeps it float ("" when it does not)
};

struct QuantPlan {
  std::vector<QuantizedNode> nodes;
  std::vector<std::string>
      activations;  // tensors that get Q→DQ, graph inputs first, then in graph order
  // A data-movement output → the tensor whose scale and zero point it reuses.
  std::map<std::string, std::string> shares_params_with;
  // Tensors whose own range calibration must measure (activations not in shares_params_with).
  std::vector<std::string> calibrated() const;
};

struct PlanOptions {
  bool per_channel = true;        // per-output-channel Conv weights
  std::set<std::string> exclude;  // node labels kept in float
  bool speed_rules = true;        // keep float what ONNX Runtime runs faster in float
};

// The input channels per group at or below which a group-1 Conv is kept float by the speed rule.
inline constexpr int64_t kFloatFasterInputChannels = 3;

std::string node_label(const onnx::NodeProto& node, int index);

// Every node the rules can quantize (no exclusions), in graph order.
std::vector<QuantizedNode> quantizable_nodes(const GraphView& view, bool per_channel);

// The plan for the graph; throws kiln::UsageError naming an excluded label that is not a
// quantizable node.
QuantPlan plan_quantization(const GraphView& view, const PlanOptions& options);

}  // namespace kiln
