#pragma once
// Where the quantize/dequantize pairs of a static INT8 model go (docs/quantization.md). The plan
// is decided on the float graph, before calibration, so calibration knows which tensors to watch:
//  - quantized nodes: Conv (constant float weight, constant 1-D bias or none), MatMul (constant
//    2-D B), Gemm (constant 2-D B, alpha = beta = 1, transA = 0, constant 1-D bias or none);
//  - every quantized node's activation input gets Q→DQ, and so does its output, except a graph
//    output (kept float); when the output's only reader is a ReLU, the ReLU's output gets the pair
//    instead (its range starts at 0, zero point 0, and ONNX Runtime folds the ReLU into the Q);
//    a Clip from 0 to a constant (ReLU6) counts as a ReLU;
//  - channel padding (on by default): a 2-D Conv with group 1 and fewer than 4 input channels (a
//    grayscale or RGB first layer) reads its quantized input padded to 4 channels, with zero
//    weights for the added ones: the same integer sums, but ONNX Runtime's int8 convolution runs
//    4-channel groups at full speed and 1–3 channels several times slower (measured in
//    docs/quantization.md; without padding such a layer was slower in int8 than in float);
//  - data movement (MaxPool, Flatten, Reshape, Transpose, Squeeze, Unsqueeze) after a quantized
//    tensor gets a pair with the same scale and zero point, so it runs on uint8 and nothing is
//    re-quantized;
//  - an Add or Mul of two quantized tensors (a residual connection, SiLU's x · sigmoid(x), a
//    squeeze-excitation scale) and a GlobalAveragePool, AveragePool or Sigmoid of one get a
//    calibrated pair on their output (or their lone ReLU's), so ONNX Runtime runs them as QLinear
//    ops instead of dequantizing, computing in float and quantizing again.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "onnx/graph_view.h"

namespace kiln {

struct QuantizedNode {
  int index = -1;
  std::string label;            // the node's name, or "<op>#<index>" when it has none
  std::string op;               // Conv, MatMul or Gemm
  std::string activation;       // input 0
  std::string weight;           // input 1 (a constant)
  std::string bias;             // input 2 ("" when none)
  int64_t weight_axis = -1;     // -1: per tensor; 0: per output channel (Conv)
  std::string output;           // the tensor whose Q→DQ follows the node ("" when it stays float)
  int64_t input_channels = 0;   // Conv: C/group, from the weight
  int64_t padded_channels = 0;  // Conv: its quantized input is padded to this many (0: not padded)
};

// An Add, Mul, GlobalAveragePool, AveragePool or Sigmoid whose inputs are all quantized: its output
// (or its lone ReLU's) gets a calibrated pair, so ONNX Runtime runs it as a QLinear op between
// int8 kernels.
struct IntegerOp {
  int index = -1;
  std::string label, op;
  std::string output;  // the tensor that gets the pair
};

struct QuantPlan {
  std::vector<QuantizedNode> nodes;
  std::vector<IntegerOp> integer_ops;
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
  bool pad_channels = true;       // channel padding of low-channel Convs (above)
};

// The input channel count a group-1 2-D Conv with fewer channels is padded to.
inline constexpr int64_t kPaddedInputChannels = 4;

std::string node_label(const onnx::NodeProto& node, int index);

// Every node the rules can quantize (no exclusions), in graph order.
std::vector<QuantizedNode> quantizable_nodes(const GraphView& view, bool per_channel);

// The plan for the graph; throws kiln::UsageError naming an excluded label that is not a
// quantizable node.
QuantPlan plan_quantization(const GraphView& view, const PlanOptions& options);

}  // namespace kiln
