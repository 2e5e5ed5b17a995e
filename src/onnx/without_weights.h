#pragma once
// A model's structure without its weights, for the analyses that never read them: ONNX shape
// inference and the checker's shape pass copy the model they are given, and with its weights a
// copy per step cost several times the model's size in memory.
#include <cstdint>

#include <onnx/onnx_pb.h>

namespace kiln {

// Initializers up to this many elements stay in the copy: their values drive data propagation
// (Reshape's shape, Slice's starts, Unsqueeze's axes).
inline constexpr int64_t kSmallInitializerElements = 64;

// The model with every main-graph initializer of more than kSmallInitializerElements elements
// replaced by a graph input of the same type and shape (nodes, subgraphs and value_info as they
// are).
onnx::ModelProto without_weights(const onnx::ModelProto& model);

}  // namespace kiln
