#pragma once
// Opens a model file with the engine its format needs: ONNX (protobuf) → ONNX Runtime,
// TorchScript (zip archive) → LibTorch. Decided by content, not by extension.
#include <memory>

#include "runtime/model_file.h"
#include "runtime/model_runner.h"
#include "runtime/ort_session.h"

namespace kiln {

std::unique_ptr<ModelRunner> open_model(const std::filesystem::path& path, const SessionOptions& ort_options = {});

}  // namespace kiln
