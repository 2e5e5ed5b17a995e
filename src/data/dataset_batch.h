#pragma once
// Dataset samples as a model input: a normalized float32 N×1×H×W HostTensor.
#include <cstdint>

#include "data/dataset.h"
#include "tensor/host_tensor.h"

namespace kiln {

HostTensor dataset_batch(const Dataset& ds, int64_t start, int64_t count);

}  // namespace kiln
