#include "doctor/onnx_facts.h"

#include <onnx/common/version.h>
#include <onnxruntime_cxx_api.h>

namespace kiln {

nlohmann::json onnx_runtime_facts() {
  nlohmann::json j;
  j["version"] = Ort::GetVersionString();
  j["providers"] = Ort::GetAvailableProviders();
  return j;
}

std::string onnx_runtime_version() {
  return Ort::GetVersionString();
}
std::vector<std::string> onnx_runtime_providers() {
  return Ort::GetAvailableProviders();
}

std::string onnx_library_version() {
  return ONNX_NAMESPACE::LAST_RELEASE_VERSION;
}

}  // namespace kiln
