#pragma once
// One place for element types: LibTorch dtype ↔ ONNX element type, PyTorch's promotion of an
// op's operands (tensors keep their type against numbers; int / int → float), and constants made
// in the element type of the value they meet (a float16 graph gets float16 constants).
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/ScalarType.h>
#include <onnx/onnx_pb.h>

#include "export/export_context.h"

namespace kiln {

// at::kFloat → FLOAT ... (nullopt for a dtype ONNX has no type for: complex, quantized).
std::optional<int32_t> onnx_dtype(at::ScalarType t);
std::optional<at::ScalarType> torch_dtype(int32_t onnx_type);
// The same, refusing an unmapped dtype with a message naming the op.
int32_t onnx_dtype_or_fail(const Node* node, at::ScalarType t);
bool is_floating(int32_t onnx_type);
bool is_integral(int32_t onnx_type);  // ints and bool

// The element type of a tensor value: what TorchScript recorded (the example's dtypes are
// propagated before conversion), else what ONNX inference knows, else nullopt.
std::optional<int32_t> value_type(ExportContext& ctx, const Value* v);

// The result type of an elementwise op on its first `count` inputs (PyTorch's rule: a tensor with
// dims decides over numbers and 0-d constants, unless the number is floating and the tensor is
// not); the node's recorded output type when TorchScript has one.
int32_t result_type(ExportContext& ctx, const Node* node, size_t count = 2);
// The type torch.cat / torch.stack give tensors of these types (the widest of the highest
// category); nullopt when none is known.
std::optional<int32_t> promoted_type(ExportContext& ctx, const std::vector<const Value*>& tensors);
// An operand of that op as an ONNX value in `type`: numbers become constants, tensors of another
// type a Cast.
std::string operand(ExportContext& ctx, const Value* v, int32_t type);

// A 0-d constant in `like`'s element type (FLOAT when unknown).
std::string constant_like(ExportContext& ctx, double value, const std::string& like, const std::string& hint);
// The element type of an ONNX value, FLOAT when unknown.
int32_t type_or_float(ExportContext& ctx, const std::string& name);

}  // namespace kiln
