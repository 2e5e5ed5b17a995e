#pragma once
// Dataset → normalized float tensors, the input convention of every built-in model:
// x = (pixel / 255 − mean) / std with the dataset's published mean and std, shape N×1×28×28.
#include <cstdint>
#include <string>

#include <torch/types.h>

#include "data/dataset.h"

namespace kiln {

struct Normalization {
  double mean = 0.1307, std = 0.3081;  // MNIST
};

Normalization normalization_for(const std::string& dataset);

struct TensorData {
  torch::Tensor images;  // float32, N×1×H×W, normalized
  torch::Tensor labels;  // int64, N
};

// `limit` > 0 keeps the first `limit` samples.
TensorData to_tensors(const Dataset& ds, const Normalization& norm, int64_t limit = 0);

}  // namespace kiln
