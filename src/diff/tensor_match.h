#pragma once
// Which tensors of two ONNX models are the same value: by name (kiln's optimizer, quantizer and
// FP16 conversion keep the names of the values that survive), with the dequantized value standing
// for a target tensor that goes through QuantizeLinear → DequantizeLinear (that is what its readers
// see). Constants are not compared; tensors with no counterpart are listed with what made them.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "diff/diff_result.h"

namespace kiln {

struct TensorPair {
  std::string reference;  // name in the reference
  std::string target;     // compared in the target: the same name, or its DequantizeLinear output
  std::string node, op;   // target node producing `reference` ("" for a graph input)
  std::string source;     // the TorchScript value behind `reference` (a .pt reference)
  int depth = -1;         // that node's index in the target (-1 for a graph input)
  std::vector<std::string> via;  // Q and DQ node names when `target` is the dequantized value
  std::optional<QuantizedTensorRecord> quant;  // their parameters (clipped_share still 0)
  int32_t reference_type = 0, target_type = 0;  // ONNX element types (0: unknown)
};

struct TensorMatch {
  std::vector<TensorPair> pairs;  // target topological order
  std::vector<UnmatchedTensorRecord> removed, added, mismatched;
};

// Element type and shape of every main-graph value shape inference can tell (dims: -1 unknown,
// symbols kept by name). Big initializers are inferred without their contents (a copy of the
// model without weights), so this costs little memory on large models.
struct ValueType {
  int32_t elem_type = 0;
  std::optional<std::vector<int64_t>> dims;
  std::vector<std::string> symbols;  // per dim, "" when fixed or unnamed
};
std::map<std::string, ValueType> infer_value_types(const onnx::ModelProto& model);

// A value the reference computes, in its order: a graph input, a node output, or (TorchScript) a
// value the export report maps to an ONNX tensor name.
struct ReferenceValue {
  std::string name;  // the ONNX tensor name it is matched by
  std::string op;    // what produced it ("graph input", "Conv", "aten::conv2d")
  ValueType type;    // elem_type 0: unknown
  std::string source;  // TorchScript: "%input.3 = aten::conv2d (node 4)"; empty for ONNX
  bool not_tensor = false;  // known to be a sequence, map or optional
};

// The non-constant graph inputs and node outputs of an ONNX model, in its order.
std::vector<ReferenceValue> onnx_reference_values(const onnx::ModelProto& model,
                                                  const std::map<std::string, ValueType>& types);

TensorMatch match_tensors(const std::vector<ReferenceValue>& reference,
                          const onnx::ModelProto& target,
                          const std::map<std::string, ValueType>& target_types);

}  // namespace kiln
