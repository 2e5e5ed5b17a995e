#pragma once
// Checks on a model kiln did not write, made before anything allocates for it or reads beside it
// (docs/security.md):
//  - external data: every location is relative, has no "..", and names a regular file that
//    resolves (symlinks followed) inside the model's folder. A model held only in memory has no
//    folder, so external data is refused there. ONNX Runtime's in-memory address tag is refused.
//  - declared sizes: every initializer, tensor attribute and static graph input fits
//    max_tensor_bytes() (common/tensor_limit.h).
//  - values and ranks that would crash ONNX 1.17's shape inference, checked before the checker,
//    the optimizer or ONNX Runtime infer anything: strides below 1 and missing outputs
//    (onnx/attribute_guard.h), Einsum and ConvTranspose ranks (onnx/rank_guard.h).
//  - structure: subgraphs (If/Loop/Scan bodies) nested at most kMaxSubgraphDepth deep and at most
//    kMaxModelNodes nodes in all (graphs, subgraphs and model-local functions), checked first,
//    without recursion, so every later walk over the model is bounded. ONNX Runtime's session
//    creation doubles its work with each level of nested If (depth 30 in a 7 KB file: minutes).
// Every graph is checked, If/Loop/Scan bodies included. Throws kiln::Error naming `what`.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <onnx/onnx_pb.h>

namespace kiln {

inline constexpr int kMaxSubgraphDepth = 12;  // 12 nested Ifs: 0.16 s in ONNX Runtime, 16: 1.6 s
inline constexpr int64_t kMaxModelNodes = 1000000;

// The structure bounds alone (depth and node count), without recursion; kiln::Error naming `what`.
void check_model_structure(const onnx::ModelProto& model, const std::string& what);

void check_untrusted_model(const onnx::ModelProto& model,
                           const std::optional<std::filesystem::path>& folder,
                           const std::string& what);

// True when any tensor of any graph keeps its data in an external file.
bool has_external_data(const onnx::ModelProto& model);

}  // namespace kiln
