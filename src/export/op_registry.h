#pragma once
// Every op the exporter converts, keyed by its ATen name and overload ("aten::max.dim"; the bare
// "aten::sin" covers every overload whose arguments fit its signature). An entry declares its
// arguments (op_signature.h), the lowest opset each version writes, and what it becomes; the
// registry parses a node's arguments before the converter runs and picks the newest version the
// target opset allows (torch.onnx's opset dispatch). Each ops/*.cpp file registers one family
// through its register_*_ops function; adding an op is a converter plus one `r.add` line there
// (docs/exporter.md).
//
// Two worlds: ops on tensors, and TorchScript's scalar and list world (ints, floats, bools, lists,
// tuples, dicts: `aten::add.int`, `prim::ListConstruct`). A node whose outputs are all non-tensors
// is looked up in the scalar world first. Before either, a node whose inputs are all static is
// folded by running LibTorch's own implementation of it (static_fold.h).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "export/export_context.h"
#include "export/export_options.h"
#include "export/op_signature.h"

namespace kiln {

using Converter = std::function<void(ExportContext& ctx, const Node* node, const Args& args)>;

enum class OpWorld { Tensor, Scalar };

struct OpOptions {
  int since = kMinOpset;  // the lowest opset this version's ONNX needs
  OpWorld world = OpWorld::Tensor;
  // Converted only when every input is known at export (the node is folded by LibTorch); a run-time
  // input is refused. --list-ops marks these "(folded statically)".
  bool static_only = false;
  // Reads complex inputs (carried as real pairs) correctly; other converters refuse them.
  bool complex = false;
  // Reads quantized inputs itself; other converters get them dequantized (and requantize).
  bool quantized = false;
};

struct OpVersion {
  int since = kMinOpset;
  Signature signature;
  Converter convert;
  std::string onnx;  // what it becomes, for --list-ops
  bool static_only = false;
  bool complex = false;
  bool quantized = false;
};

struct OpEntry {
  std::string key;
  OpWorld world = OpWorld::Tensor;
  std::vector<OpVersion> versions;  // ascending by `since`
};

class OpRegistry {
 public:
  // `keys`: one key or several separated by '|' ("aten::relu|aten::relu_"). A key registered twice
  // in one world at the same opset is a programming error (std::logic_error at start-up).
  void add(const std::string& keys, const std::string& signature, Converter convert, const std::string& onnx,
           OpOptions options = {});
  // An op whose every input must be static: folded by LibTorch, refused otherwise.
  void add_static_only(const std::string& keys, const std::string& why);

  const OpEntry* find(const std::string& key, OpWorld world) const;
  const std::map<std::string, OpEntry>& entries(OpWorld world) const {
    return world == OpWorld::Tensor ? tensor_ : scalar_;
  }

 private:
  std::map<std::string, OpEntry> tensor_, scalar_;
};

const OpRegistry& op_registry();

// The version of the converter `node` gets at `opset`, with its arguments parsed; throws
// kiln::Error for an op kiln does not convert, an overload whose arguments do not fit, or an
// opset below the lowest the op needs (naming the opset that has it).
struct SelectedOp {
  const OpEntry* entry;
  const OpVersion* version;
};
std::optional<SelectedOp> select_converter(const Node* node, int opset);

// Converts every node of a block in order (the graph body, a taken branch, or an If subgraph).
void convert_block(ExportContext& ctx, const torch::jit::Block* block);
// Converts `first` and the nodes after it in its block (an If that converts the rest of its block
// inside its branches stops the loop: ExportContext::rest_converted_until).
void convert_rest_of_block(ExportContext& ctx, const Node* first);

// One function per family file (ops/*.cpp).
void register_conv_ops(OpRegistry& r);
void register_norm_ops(OpRegistry& r);
void register_linear_ops(OpRegistry& r);
void register_activation_ops(OpRegistry& r);
void register_pooling_ops(OpRegistry& r);
void register_shape_ops(OpRegistry& r);
void register_elementwise_ops(OpRegistry& r);
void register_reduce_ops(OpRegistry& r);
void register_control_flow_ops(OpRegistry& r);
void register_quantized_ops(OpRegistry& r);
void register_indexing_ops(OpRegistry& r);
void register_scalar_ops(OpRegistry& r);
void register_creation_ops(OpRegistry& r);
void register_resize_ops(OpRegistry& r);
void register_recurrent_ops(OpRegistry& r);
void register_attention_ops(OpRegistry& r);
void register_nested_ops(OpRegistry& r);
void register_padding_ops(OpRegistry& r);
void register_math_ops(OpRegistry& r);
void register_layout_ops(OpRegistry& r);
void register_cast_ops(OpRegistry& r);
void register_logical_ops(OpRegistry& r);
void register_sort_ops(OpRegistry& r);
void register_masking_ops(OpRegistry& r);
void register_signal_ops(OpRegistry& r);
void register_torchvision_ops(OpRegistry& r);
void register_embedding_ops(OpRegistry& r);
void register_loss_ops(OpRegistry& r);

// Arithmetic with a complex operand (carried as a real pair): handled and true, or false when
// neither operand is complex (signal.cpp).
bool convert_complex_arith(ExportContext& ctx, const Node* node, const Args& args, const std::string& op);

// Runs a converter that does not read quantized tensors on a node with quantized inputs: the
// inputs dequantized for it, its tensor outputs quantized again (quantized.cpp).
void convert_with_dequantized_inputs(ExportContext& ctx, const Node* node, const Args& args, const Converter& convert);

// Boolean-mask indexing (x[mask]), which aten::index reaches with a mask among its indices.
void convert_masked_index(ExportContext& ctx, const Node* node, const Args& args);

[[noreturn]] void unsupported(const Node* node, const std::string& why);
// True when a TorchScript value is not a tensor (int, float, bool, list, tuple, dict, None, str).
bool is_non_tensor(const Value* v);

}  // namespace kiln
