#pragma once
// The seminar's equivalence measures between a reference output and a candidate output.
#include <torch/types.h>

namespace kiln {

struct Difference {
  double relative_l2 = 0;  // Δ = ‖ref − got‖₂ / ‖ref‖₂
  double mean_abs = 0;     // E = mean |ref − got|
  double max_abs = 0;
  double top1_agreement = 1;  // fraction of rows whose argmax agrees (rank-2 outputs)
  bool shapes_match = true;
};

Difference compare_outputs(const torch::Tensor& reference, const torch::Tensor& candidate);

}  // namespace kiln
