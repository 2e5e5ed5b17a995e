#pragma once
// Walking a graph together with its If/Loop/Scan bodies, in a fixed order: a node, then the
// subgraphs of its attributes, depth first (a copy of a model is walked in the same order).
#include <functional>

#include <onnx/onnx_pb.h>

namespace kiln {

using NodeList = google::protobuf::RepeatedPtrField<onnx::NodeProto>;

// Every node of `nodes` (a graph's or a function's) and of their subgraphs.
void for_each_node(const NodeList& nodes, const std::function<void(const onnx::NodeProto&)>& visit);
void for_each_node(const onnx::GraphProto& graph,
                   const std::function<void(const onnx::NodeProto&)>& visit);
void for_each_node(onnx::GraphProto& graph, const std::function<void(onnx::NodeProto&)>& visit);

// `graph` and every subgraph inside it.
void for_each_graph(const onnx::GraphProto& graph,
                    const std::function<void(const onnx::GraphProto&)>& visit);

}  // namespace kiln
