#pragma once
// Read-side helpers shared by the optimizer passes: who produces and who consumes a value, which
// values are constants (initializers or Constant nodes) and what they hold, static shapes, and
// fresh names. A GraphView indexes one graph; views of If/Loop bodies chain to the enclosing one,
// so outer-scope constants are seen and uses inside subgraphs count as uses.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <onnx/onnx_pb.h>

#include "tensor/host_tensor.h"

namespace kiln {

// Facts about the whole model, shared by every view of its graphs.
class ModelScope {
 public:
  // infer_types: run ONNX shape inference (on a copy) so shape() knows intermediate values.
  explicit ModelScope(const onnx::ModelProto& model, bool infer_types = true);

  int64_t ir_version() const { return ir_version_; }
  // Opset imported for `domain` ("" and "ai.onnx" are the same); 0 when not imported.
  int64_t opset(const std::string& domain = "") const;
  const std::map<std::string, int64_t>& opsets() const { return opsets_; }
  // A name used nowhere in the model, derived from `base`; reserved once returned.
  std::string unique_name(const std::string& base);
  // Declared or inferred type of a value (nullptr when unknown).
  const onnx::TypeProto* type(const std::string& name) const;

 private:
  int64_t ir_version_ = 0;
  std::map<std::string, int64_t> opsets_;
  std::unordered_set<std::string> names_;
  std::unordered_map<std::string, onnx::TypeProto> types_;
};

class GraphView {
 public:
  GraphView(onnx::GraphProto& graph, ModelScope& scope, const GraphView* parent = nullptr);
  // Re-indexes after the graph changed.
  void rebuild();

  onnx::GraphProto& graph() const { return *graph_; }
  ModelScope& scope() const { return *scope_; }
  const GraphView* parent() const { return parent_; }
  int node_count() const { return graph_->node_size(); }
  onnx::NodeProto& node(int i) const { return *graph_->mutable_node(i); }

  // Index of the node in this graph producing `value`, or -1.
  int producer(const std::string& value) const;
  // Nodes of this graph reading `value`, once per input slot; a node whose subgraph reads it
  // counts once.
  const std::vector<int>& consumers(const std::string& value) const;
  // Uses by nodes (subgraphs included) plus appearances among this graph's outputs.
  int use_count(const std::string& value) const;
  bool is_graph_input(const std::string& value) const;
  bool is_graph_output(const std::string& value) const;

  // Initializer named `value` in this graph or an enclosing one (nullptr when none).
  const onnx::TensorProto* initializer(const std::string& value) const;
  // Initializer named `value` in this graph itself, to change in place (nullptr when none).
  onnx::TensorProto* own_initializer(const std::string& value);
  // The Constant node producing `value` in this graph or an enclosing one (nullptr when none).
  const onnx::NodeProto* constant_node(const std::string& value) const;
  // True when `value` is fixed at load time: a non-overridable initializer (IR >= 4 lets graph
  // inputs override initializers) or the output of a Constant node.
  bool is_constant(const std::string& value) const;
  // The constant's contents (nullopt when not a constant or of a type HostTensor does not hold).
  std::optional<HostTensor> constant(const std::string& value) const;
  // The constant's contents where the caller already matched `value` as a constant; kiln::Error
  // (naming it) when it is not one after all.
  HostTensor required_constant(const std::string& value) const;
  std::optional<std::vector<double>> constant_values(const std::string& value) const;

  // Static shape (-1 for an unknown dimension); nullopt when even the rank is unknown.
  std::optional<Shape> shape(const std::string& value) const;
  // ONNX element type, 0 when unknown.
  int32_t elem_type(const std::string& value) const;

 private:
  onnx::GraphProto* graph_;
  ModelScope* scope_;
  const GraphView* parent_;
  std::unordered_map<std::string, int> producer_;
  std::unordered_map<std::string, std::vector<int>> consumers_;
  std::unordered_map<std::string, int> initializers_;
  std::unordered_set<std::string> inputs_;
  std::unordered_map<std::string, int> outputs_;  // name → how many graph outputs name it
};

// Names a subgraph reads (node inputs and graph outputs, nested subgraphs included).
void collect_subgraph_reads(const onnx::GraphProto& graph, std::unordered_set<std::string>& names);

// Value of an attribute, or `fallback`.
int64_t attr_int(const onnx::NodeProto& node, const std::string& name, int64_t fallback);
float attr_float(const onnx::NodeProto& node, const std::string& name, float fallback);
std::optional<std::vector<int64_t>> attr_ints(const onnx::NodeProto& node, const std::string& name);
std::string attr_string(const onnx::NodeProto& node, const std::string& name,
                        const std::string& fallback);
const onnx::AttributeProto* find_attr(const onnx::NodeProto& node, const std::string& name);
void set_attr_ints(onnx::NodeProto& node, const std::string& name,
                   const std::vector<int64_t>& values);
void set_attr_int(onnx::NodeProto& node, const std::string& name, int64_t value);
bool is_standard_domain(const std::string& domain);
bool has_subgraph(const onnx::NodeProto& node);
// Input `i` of a node, "" when absent (optional inputs may be missing or empty).
std::string input_or_empty(const onnx::NodeProto& node, int i);

}  // namespace kiln
