#pragma once
// Dynamic scalars as ONNX values: a TorchScript int, float or bool that is not known at export is
// a 0-d ONNX tensor (int64, float, bool); an int list a 1-D int64 tensor. These helpers make
// operands of a wanted type from static or dynamic values (ops/scalars.cpp, shape ops).
#include <optional>
#include <string>

#include "export/export_context.h"

namespace kiln {

// The ONNX element type a TorchScript scalar value has (int → INT64, float → FLOAT, bool → BOOL;
// a tensor: its recorded dtype); nullopt when the type says nothing.
std::optional<onnx::TensorProto_DataType> scalar_onnx_type(const Value* v);
// `v` as a 0-d tensor of `type`: a new initializer when static, else the dynamic value (cast
// when its type differs).
std::string scalar_operand(ExportContext& ctx, const Value* v, onnx::TensorProto_DataType type);
// A tensor operand as is, or a static / dynamic scalar as a 0-d tensor of `type`.
std::string scalar_operand_or_tensor(ExportContext& ctx, const Value* v, onnx::TensorProto_DataType type);
// An int list (shape, sizes) as a 1-D int64 tensor: an initializer when static, the run-time
// shape tensor it is bound to, or the Concat of its elements (static ones as constants).
std::string pack_int_list(ExportContext& ctx, const Node* node, const Value* list);
// The same from the elements themselves.
std::string pack_int_elements(ExportContext& ctx, const std::vector<const Value*>& elems);
// Records the shape a value computed from an element list has (Reshape, ConstantOfShape): static
// elements as numbers, symbolic ones as their symbol.
void hint_shape_from_elements(ExportContext& ctx, const std::string& name, int32_t elem_type,
                              const std::vector<const Value*>& elems);
// Python's floor division and remainder (sign of the divisor), for ints and floats.
std::string floor_divide(ExportContext& ctx, const std::string& a, const std::string& b,
                         onnx::TensorProto_DataType type, const std::string& out);
std::string floor_remainder(ExportContext& ctx, const std::string& a, const std::string& b,
                            onnx::TensorProto_DataType type, const std::string& out);
// A static scalar of `type` (0-d initializer).
std::string scalar_constant(ExportContext& ctx, double value, onnx::TensorProto_DataType type, const std::string& hint);

}  // namespace kiln
