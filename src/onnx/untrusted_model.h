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
// Every graph is checked, If/Loop/Scan bodies included. Throws kiln::Error naming `what`.
#include <filesystem>
#include <optional>
#include <string>

#include <onnx/onnx_pb.h>

namespace kiln {

void check_untrusted_model(const onnx::ModelProto& model,
                           const std::optional<std::filesystem::path>& folder,
                           const std::string& what);

// True when any tensor of any graph keeps its data in an external file.
bool has_external_data(const onnx::ModelProto& model);

}  // namespace kiln
