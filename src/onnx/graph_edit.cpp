#include "onnx/graph_edit.h"

#include <algorithm>
#include <set>

namespace kiln {

namespace {

// Renames reads of `from` in `graph` and its subgraphs. A subgraph may hand an outer value
// straight out as one of its outputs, which is a read too; the top graph's outputs are the model's
// interface and keep their names.
void rename_reads(onnx::GraphProto& graph, const std::string& from, const std::string& to,
                  bool subgraph) {
  for (auto& n : *graph.mutable_node()) {
    for (auto& s : *n.mutable_input()) {
      if (s == from) s = to;
    }
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) rename_reads(*a.mutable_g(), from, to, true);
      for (auto& g : *a.mutable_graphs()) rename_reads(g, from, to, true);
    }
  }
  if (subgraph) {
    for (auto& v : *graph.mutable_output()) {
      if (v.name() == from) v.set_name(to);
    }
  }
}

}  // namespace

void replace_uses(onnx::GraphProto& graph, const std::string& from, const std::string& to) {
  rename_reads(graph, from, to, /*subgraph=*/false);
}

void remove_nodes(onnx::GraphProto& graph, std::vector<int> indices) {
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  auto* nodes = graph.mutable_node();
  int write = 0;
  size_t skip = 0;
  for (int read = 0; read < nodes->size(); ++read) {
    if (skip < indices.size() && indices[skip] == read) {
      ++skip;
      continue;
    }
    if (write != read) nodes->SwapElements(write, read);
    ++write;
  }
  nodes->DeleteSubrange(write, nodes->size() - write);
}

void replace_pattern(onnx::GraphProto& graph, int last, const onnx::NodeProto& node,
                     std::vector<int> others) {
  graph.mutable_node(last)->CopyFrom(node);
  remove_nodes(graph, std::move(others));
}

void add_initializer(GraphView& view, const HostTensor& tensor) {
  tensor_to_proto(tensor, view.graph().add_initializer());
  if (view.scope().ir_version() < 4) {
    auto* in = view.graph().add_input();
    in->set_name(tensor.name);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int32_t>(tensor.dtype));
    auto* shape = tt->mutable_shape();
    for (int64_t d : tensor.shape) shape->add_dim()->set_dim_value(d);
  }
}

void remove_initializer(GraphView& view, const std::string& name) {
  auto* inits = view.graph().mutable_initializer();
  for (int i = 0; i < inits->size(); ++i) {
    if (inits->Get(i).name() == name) {
      inits->DeleteSubrange(i, 1);
      break;
    }
  }
  if (view.scope().ir_version() < 4) {
    auto* inputs = view.graph().mutable_input();
    for (int i = 0; i < inputs->size(); ++i) {
      if (inputs->Get(i).name() == name) {
        inputs->DeleteSubrange(i, 1);
        break;
      }
    }
  }
}

bool drop_if_unused(GraphView& view, const std::string& name) {
  if (name.empty() || view.use_count(name) > 0) return false;
  int p = view.producer(name);
  if (p >= 0) {
    const auto& n = view.node(p);
    if (n.op_type() != "Constant" || n.output_size() != 1) return false;
    remove_nodes(view.graph(), {p});
    view.rebuild();
    return true;
  }
  for (const auto& init : view.graph().initializer()) {
    if (init.name() != name) continue;
    // IR >= 4: an initializer that is also a graph input is part of the interface.
    if (view.is_graph_input(name) && view.scope().ir_version() >= 4) return false;
    remove_initializer(view, name);
    view.rebuild();
    return true;
  }
  return false;
}

bool bypass_node(GraphView& view, int index, int in_slot, int out_slot) {
  const onnx::NodeProto& node = view.node(index);
  const std::string in = node.input(in_slot);
  const std::string out = node.output(out_slot);
  if (in.empty() || out.empty()) return false;
  if (!view.is_graph_output(out)) {
    replace_uses(view.graph(), out, in);
    remove_nodes(view.graph(), {index});
    return true;
  }
  // The output name is the interface: rename the input's producer to write it directly.
  int p = view.producer(in);
  if (p < 0 || view.is_graph_output(in) || view.is_graph_input(in)) return false;
  if (std::count(view.node(p).output().begin(), view.node(p).output().end(), in) != 1) return false;
  for (auto& s : *view.node(p).mutable_output()) {
    if (s == in) s = out;
  }
  replace_uses(view.graph(), in, out);
  remove_nodes(view.graph(), {index});
  return true;
}

onnx::NodeProto make_node(const std::string& op_type, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name) {
  onnx::NodeProto n;
  n.set_op_type(op_type);
  if (!name.empty()) n.set_name(name);
  for (const auto& s : inputs) n.add_input(s);
  for (const auto& s : outputs) n.add_output(s);
  return n;
}

onnx::ModelProto with_extra_outputs(const onnx::ModelProto& model,
                                    const std::vector<std::string>& tensors, int32_t elem_type) {
  onnx::ModelProto copy = model;
  auto& graph = *copy.mutable_graph();
  std::set<std::string> present;
  for (const auto& o : graph.output()) present.insert(o.name());
  for (const auto& t : tensors) {
    if (!present.insert(t).second) continue;
    auto* v = graph.add_output();
    v->set_name(t);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
  }
  return copy;
}

}  // namespace kiln
