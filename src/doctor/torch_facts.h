#pragma once
// LibTorch facts (version, quantized engines, thread pools, build configuration).
#include <nlohmann/json.hpp>

namespace kiln {

nlohmann::json torch_facts();

}  // namespace kiln
