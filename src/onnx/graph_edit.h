#pragma once
// Write-side helpers shared by the optimizer passes. They change the graph; the caller rebuilds
// its GraphView afterwards (the pass driver does after every rewrite).
#include <string>
#include <vector>

#include "onnx/graph_view.h"

namespace kiln {

// Every read of `from` (node inputs, inside subgraphs too) reads `to` instead. Graph outputs are
// not touched: their names are the model's interface.
void replace_uses(onnx::GraphProto& graph, const std::string& from, const std::string& to);

// Removes nodes by index, keeping the order of the rest.
void remove_nodes(onnx::GraphProto& graph, std::vector<int> indices);

// Replaces node `last` with `node` and removes `others`: the fused node of a pattern takes the
// place of the pattern's last node, where every input it reads is already defined.
void replace_pattern(onnx::GraphProto& graph, int last, const onnx::NodeProto& node,
                     std::vector<int> others);

// Adds an initializer named tensor.name; IR < 4 also lists it as a graph input, as that IR
// requires.
void add_initializer(GraphView& view, const HostTensor& tensor);
// Removes an initializer of this graph (IR < 4: and its graph input).
void remove_initializer(GraphView& view, const std::string& name);

// Drops the initializer or Constant node behind `name` in this graph when nothing reads it any
// more. The view must be current; it is rebuilt when something was dropped.
bool drop_if_unused(GraphView& view, const std::string& name);

// Makes output `out_slot` of node `index` the same value as its input `in_slot` and removes the
// node (its other outputs must be unused). When the output is a graph output the input's producer
// is renamed instead, which needs that producer to be a node of this graph. False when impossible.
bool bypass_node(GraphView& view, int index, int in_slot = 0, int out_slot = 0);

// `model` with `tensors` appended to its outputs as `elem_type` (those already outputs are kept
// once): how calibration reads intermediate tensors out of ONNX Runtime.
onnx::ModelProto with_extra_outputs(const onnx::ModelProto& model,
                                    const std::vector<std::string>& tensors, int32_t elem_type);

// A node that reads `inputs` and writes `outputs`.
onnx::NodeProto make_node(const std::string& op_type, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = "");

}  // namespace kiln
