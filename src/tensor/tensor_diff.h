#pragma once
// How far one tensor is from another: the numbers verification and comparison report.
#include <cstdint>
#include <string>

#include "tensor/host_tensor.h"

namespace kiln {

struct TensorDiff {
  bool comparable = true;  // same element count (and shape)
  std::string problem;     // why not comparable
  double max_abs = 0;      // max |expected − actual|; infinity for NaN in one only or ±inf mismatch
  // max_abs / max(max |expected|, tiny): relative to the output's scale, so values near zero in
  // an otherwise large output do not blow it up, and an all-zero output still compares.
  double max_rel = 0;
  double expected_max = 0;  // max |expected| (finite elements)
  int64_t mismatches = 0;   // elements with |e − a| > atol + rtol·|e| (numpy's allclose)
  int64_t count = 0;
};

// NaN matches NaN and an infinity matches the same infinity.
TensorDiff diff_tensors(const HostTensor& expected, const HostTensor& actual, double rtol = 0,
                        double atol = 0);

// Denominator floor for max_rel.
inline constexpr double kRelativeFloor = 1e-12;

}  // namespace kiln
