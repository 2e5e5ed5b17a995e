#include "doctor/torch_facts.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/version.h>

#include <c10/core/QEngine.h>

namespace kiln {

nlohmann::json torch_facts() {
  nlohmann::json j;
  j["version"] = TORCH_VERSION;
  nlohmann::json engines = nlohmann::json::array();
  for (c10::QEngine e : at::globalContext().supportedQEngines()) {
    if (e != c10::QEngine::NoQEngine) engines.push_back(c10::toString(e));
  }
  j["quantized_engines"] = engines;
  j["intra_op_threads"] = at::get_num_threads();
  j["inter_op_threads"] = at::get_num_interop_threads();
  std::string info = at::get_parallel_info();
  auto pos = info.find("backend:");
  j["parallel_backend"] = pos == std::string::npos ? "unknown" : info.substr(pos + 9, info.find('\n', pos) - pos - 9);
  std::string config = at::show_config();
  for (const char* key : {"BLAS_INFO=", "LAPACK_INFO="}) {
    auto found = config.find(key);
    if (found != std::string::npos) {
      auto end = config.find_first_of(", \n", found);
      std::string k(key);
      k.pop_back();
      j["build"][k] = config.substr(found + k.size() + 1, end - found - k.size() - 1);
    }
  }
  j["build"]["mkldnn"] = at::hasMKLDNN();
  j["cuda_available"] = at::hasCUDA();
  return j;
}

}  // namespace kiln
