#pragma once
// Seeded inputs for a model: verification feeds the same ones to the original and the optimized
// model. Floats are uniform in [-1, 1); integers 0 or 1 (valid as indices and counts for most
// models); booleans random.
#include <cstdint>
#include <vector>

#include "runtime/ort_session.h"

namespace kiln {

// Dimensions that are not fixed (symbolic or unnamed) become `dynamic_dim`. Throws kiln::Error
// for an input type HostTensor does not hold.
std::vector<HostTensor> random_inputs(const std::vector<ValueInfo>& inputs, int64_t dynamic_dim,
                                      uint64_t seed);

}  // namespace kiln
