#pragma once
// A model file read without its weights: each large initializer of the main graph stays in the
// file, its TensorProto pointing at its own bytes there as ONNX external data (location = the
// file's name, offset, length). What ONNX Runtime opens instead of the file when the file is one
// kiln wrote (the exporter's verification): ONNX Runtime reads the weights from the file itself
// once, rather than from a protobuf copy of them it parsed first, and its graph optimizations
// then allocate only what they change (measured on deeplabv3_resnet101: bench/RESULTS.md).
#include <cstdint>
#include <filesystem>

#include <onnx/onnx_pb.h>

namespace kiln {

// Initializers whose raw_data has at least `min_bytes` bytes stay in the file; smaller ones and
// every tensor inside a node (Constant values, subgraphs) are read in. Throws kiln::Error naming
// the file when it cannot be read or is not a serialized ModelProto.
onnx::ModelProto load_model_weights_left_in_file(const std::filesystem::path& path,
                                                 int64_t min_bytes = 1024);

}  // namespace kiln
