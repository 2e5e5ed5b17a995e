#pragma once
// ONNX and ONNX Runtime facts (versions, execution providers), without LibTorch.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kiln {

nlohmann::json onnx_runtime_facts();  // {"version", "providers": [...]}
std::string onnx_runtime_version();
std::vector<std::string> onnx_runtime_providers();
std::string onnx_library_version();  // the ONNX C++ library kiln is built against

}  // namespace kiln
