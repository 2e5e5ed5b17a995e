#include "onnx/graph_walk.h"

namespace kiln {

void for_each_node(const NodeList& nodes,
                   const std::function<void(const onnx::NodeProto&)>& visit) {
  for (const auto& node : nodes) {
    visit(node);
    for (const auto& a : node.attribute()) {
      if (a.has_g()) for_each_node(a.g().node(), visit);
      for (const auto& g : a.graphs()) for_each_node(g.node(), visit);
    }
  }
}

void for_each_node(const onnx::GraphProto& graph,
                   const std::function<void(const onnx::NodeProto&)>& visit) {
  for_each_node(graph.node(), visit);
}

void for_each_node(onnx::GraphProto& graph, const std::function<void(onnx::NodeProto&)>& visit) {
  for (auto& node : *graph.mutable_node()) {
    visit(node);
    for (auto& a : *node.mutable_attribute()) {
      if (a.has_g()) for_each_node(*a.mutable_g(), visit);
      for (auto& g : *a.mutable_graphs()) for_each_node(g, visit);
    }
  }
}

void for_each_graph(const onnx::GraphProto& graph,
                    const std::function<void(const onnx::GraphProto&)>& visit) {
  visit(graph);
  for (const auto& node : graph.node()) {
    for (const auto& a : node.attribute()) {
      if (a.has_g()) for_each_graph(a.g(), visit);
      for (const auto& g : a.graphs()) for_each_graph(g, visit);
    }
  }
}

}  // namespace kiln
