#pragma once
// Training-time augmentation: every image moved by its own random offset of up to `max_shift`
// pixels in each direction, the uncovered border filled with the background value. Digits are
// written anywhere in a 28×28 box, so this is the variation a test set has and a small CNN
// otherwise sees too little of in three epochs.
#include <torch/types.h>

namespace kiln {

// x: N×C×H×W. Draws the offsets from LibTorch's generator (seeded: runs stay deterministic).
torch::Tensor random_shift(const torch::Tensor& x, int64_t max_shift, double background);

}  // namespace kiln
