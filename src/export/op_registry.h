#pragma once
// Name → converter for every TorchScript op the exporter supports. Each ops/*.cpp file adds one
// family (convolution, normalization, ...) through its add_*_ops function; adding an op is a
// converter function plus one line there (docs/exporter.md).
#include <map>
#include <string>

#include "export/export_context.h"

namespace kiln {

struct OpEntry {
  OpConverter convert;
  std::string onnx;  // what it becomes, for --list-ops
};
using OpTable = std::map<std::string, OpEntry>;

const OpTable& op_table();

// Converts every node of a block in order (the graph body, or an If branch).
void convert_block(ExportContext& ctx, const torch::jit::Block* block);

void add_conv_ops(OpTable& t);
void add_norm_ops(OpTable& t);
void add_linear_ops(OpTable& t);
void add_activation_ops(OpTable& t);
void add_pooling_ops(OpTable& t);
void add_shape_ops(OpTable& t);
void add_elementwise_ops(OpTable& t);
void add_reduce_ops(OpTable& t);
void add_control_flow_ops(OpTable& t);
void add_quantized_ops(OpTable& t);

// Small helpers shared by converters.
void alias(ExportContext& ctx, const Node* node);  // output is the same ONNX value as input 0
std::string reduce_mean(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& axes, bool keepdims,
                        const std::string& out);
[[noreturn]] void unsupported(const Node* node, const std::string& why);

}  // namespace kiln
