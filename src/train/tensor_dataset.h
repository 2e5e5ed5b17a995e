#pragma once
// Dataset → normalized float tensors (normalization_for in data/dataset.h), shape N×1×28×28.
#include <cstdint>
#include <string>

#include <torch/types.h>

#include "data/dataset.h"

namespace kiln {

struct TensorData {
  torch::Tensor images;  // float32, N×1×H×W, normalized
  torch::Tensor labels;  // int64, N
};

// `limit` > 0 keeps the first `limit` samples.
TensorData to_tensors(const Dataset& ds, const Normalization& norm, int64_t limit = 0);

}  // namespace kiln
