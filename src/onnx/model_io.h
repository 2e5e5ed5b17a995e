#pragma once
// Reading and writing ONNX models (ModelProto) with one-line errors that name the file.
#include <filesystem>
#include <string>
#include <string_view>

#include <onnx/onnx_pb.h>

namespace kiln {

// Parses a serialized ModelProto; `what` names it in errors. Refuses empty input, bytes that are
// not a model (no graph, no IR version) and sizes beyond protobuf's 2 GiB limit.
onnx::ModelProto parse_model(std::string_view bytes, const std::string& what);
onnx::ModelProto load_model(const std::filesystem::path& path);

std::string serialize_model(const onnx::ModelProto& model);
// Atomic: a reader sees the old file or the complete new one.
void save_model(const onnx::ModelProto& model, const std::filesystem::path& path);

// The ONNX checker: full_check adds strict shape and type inference. Throws kiln::Error naming
// `what` with the checker's first line.
void check_model(const onnx::ModelProto& model, bool full_check, const std::string& what);

}  // namespace kiln
