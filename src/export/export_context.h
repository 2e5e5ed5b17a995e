#pragma once
// The state of one export: which ONNX name each TorchScript value has, the constants known at
// export time, initializers, and the graph being written (a subgraph while inside an `If`).
// Op converters (ops/*.cpp) read inputs and emit ONNX nodes only through this class.
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <onnx/onnx_pb.h>
#include <torch/csrc/jit/ir/ir.h>

namespace kiln {

using torch::jit::Node;
using torch::jit::Value;

class ExportContext {
 public:
  ExportContext(onnx::ModelProto& model, int opset);

  int opset() const { return opset_; }
  onnx::GraphProto& graph() { return *graphs_.back(); }
  onnx::GraphProto& main_graph() { return *model_.mutable_graph(); }

  // --- values -------------------------------------------------------------------------------
  // The ONNX tensor name of a TorchScript value; constants become initializers on first use.
  std::string in(const Value* v);
  // The name to give a node's output: a preferred name (graph outputs) or a fresh one; binds it.
  std::string out(const Value* v, const std::string& hint = "");
  void bind(const Value* v, const std::string& onnx_name) { names_[v] = onnx_name; }
  void prefer_name(const Value* v, const std::string& onnx_name) { preferred_[v] = onnx_name; }
  bool is_bound(const Value* v) const { return names_.count(v) != 0; }

  // Export-time constants (prim::Constant after freezing and constant propagation).
  bool is_constant(const Value* v) const;
  c10::IValue constant(const Value* v) const;  // throws when not constant
  bool is_none(const Value* v) const;
  int64_t const_int(const Value* v) const;
  double const_double(const Value* v) const;
  bool const_bool(const Value* v) const;
  std::vector<int64_t> const_ints(const Value* v) const;
  std::optional<at::Tensor> const_tensor(const Value* v) const;
  // A value the exporter worked out itself (a tensor's dtype from ONNX type inference).
  void set_known(const Value* v, c10::IValue value) { known_[v] = std::move(value); }
  // The ONNX element type of a converted tensor value (main graph), if known.
  std::optional<int32_t> elem_type_of(const std::string& onnx_name);
  // Elements of a prim::ListConstruct (tensor or int lists built at run time).
  std::optional<std::vector<const Value*>> list_elements(const Value* v) const;
  void record_list(const Value* v, std::vector<const Value*> elements) { lists_[v] = std::move(elements); }

  // --- writing ------------------------------------------------------------------------------
  std::string fresh(const std::string& hint);
  std::string add_initializer(const at::Tensor& t, const std::string& hint);
  std::string add_int64s(const std::vector<int64_t>& values, const std::string& hint, bool as_scalar = false);
  std::string add_float_scalar(double value, onnx::TensorProto_DataType dtype, const std::string& hint);
  onnx::NodeProto& add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs);

  // Names for initializers made from module parameters ("conv1.weight"), keyed by storage.
  void name_parameter(const at::Tensor& t, const std::string& name);

  // Static shape of an ONNX value of the main graph (ONNX shape inference on the graph so far);
  // -1 for a symbolic or unknown dimension; nullopt when even the rank is unknown.
  std::optional<std::vector<int64_t>> shape_of(const std::string& onnx_name);
  std::optional<int64_t> rank_of(const Value* v);

  // Subgraphs of `If`: nodes go to the innermost graph while one is open.
  void push_graph(onnx::GraphProto* g) { graphs_.push_back(g); }
  void pop_graph() { graphs_.pop_back(); }

  // The dtype of the model's float values (initializer scalars are made in it).
  onnx::TensorProto_DataType float_type() const { return onnx::TensorProto_DataType_FLOAT; }

 private:
  onnx::ModelProto& model_;
  int opset_;
  std::vector<onnx::GraphProto*> graphs_;
  std::unordered_map<const Value*, std::string> names_;
  std::unordered_map<const Value*, std::string> preferred_;
  std::unordered_map<const Value*, std::vector<const Value*>> lists_;
  std::unordered_map<const Value*, c10::IValue> known_;
  std::unordered_map<std::string, int32_t> type_cache_;
  std::map<std::string, int> counters_;
  std::unordered_map<const void*, std::string> parameter_names_;
  std::unordered_map<std::string, std::vector<int64_t>> shape_cache_;
  int shape_cache_nodes_ = -1;
};

// A converter: reads `node`'s inputs from the context, emits ONNX nodes, binds its outputs.
using OpConverter = void (*)(ExportContext& ctx, const Node* node);

// Formats a node for error messages: "aten::foo(...) # source location".
std::string describe_node(const Node* node);

}  // namespace kiln
