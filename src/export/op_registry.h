#pragma once
// Name → converter for every TorchScript op the exporter supports. Each ops/*.cpp file adds one
// family (convolution, normalization, ...) through its add_*_ops function; adding an op is a
// converter function plus one line there (docs/exporter.md).
//
// Two tables: `op_table` for ops on tensors, `scalar_op_table` for TorchScript's scalar and list
// world (ints, floats, bools, lists, tuples, dicts). A node whose outputs are all non-tensors is
// looked up in the scalar table first. Before either, a node whose inputs are all static is
// folded by running LibTorch's own implementation of it (static_fold.h).
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
const OpTable& scalar_op_table();

// Converts every node of a block in order (the graph body, a taken branch, or an If subgraph).
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
void add_indexing_ops(OpTable& t);
void add_scalar_ops(OpTable& t);
void add_creation_ops(OpTable& t);
void add_resize_ops(OpTable& t);
void add_recurrent_ops(OpTable& t);
void add_attention_ops(OpTable& t);
void add_padding_ops(OpTable& t);

// Small helpers shared by converters.
void alias(ExportContext& ctx, const Node* node);  // output is the same value as input 0
std::string reduce_mean(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& axes, bool keepdims,
                        const std::string& out);
[[noreturn]] void unsupported(const Node* node, const std::string& why);
// A Transpose of `x` by `perm` into a fresh name.
std::string emit_transpose(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& perm);
// True when a TorchScript value is not a tensor (int, float, bool, list, tuple, dict, None, str).
bool is_non_tensor(const Value* v);

}  // namespace kiln
