#pragma once
// The seminar's equivalence numbers between a reference and a candidate output, accumulated over
// several batches: E = mean |y − ŷ|, max |y − ŷ|, relative L2, top-1 agreement, non-finite counts.
#include <cstdint>
#include <optional>
#include <string>

#include "compare/compare_result.h"

#include "tensor/host_tensor.h"

namespace kiln {

// What a pass/fail decision accepts beyond finite, non-empty outputs. Both off by default: a NaN or
// an infinity on either side, or an output with no elements, fails the comparison (a NaN compared
// with anything is "no difference" to a naive mean, which once let all-NaN golden outputs pass).
struct VerdictPolicy {
  // NaN/Inf accepted where both sides hold the same one at the same position (both NaN, or the
  // same infinity): a model whose outputs legitimately include them, compared with itself.
  bool matching_nonfinite = false;
  // Outputs with no elements accepted (every one must then be empty on both sides).
  bool empty = false;
};

class OutputMetrics {
 public:
  // Adds one batch; returns false (and records why) when the shapes differ.
  bool add(const HostTensor& reference, const HostTensor& candidate);
  double mean_abs() const { return count_ ? sum_abs_ / static_cast<double>(count_) : 0.0; }
  double max_abs() const { return max_abs_; }
  double relative_l2() const;
  double top1_agreement() const {
    return rows_ ? static_cast<double>(agree_) / static_cast<double>(rows_) : 1.0;
  }
  int64_t nonfinite_reference() const { return nonfinite_ref_; }
  int64_t nonfinite_candidate() const { return nonfinite_cand_; }
  bool shapes_match() const { return shape_problem_.empty(); }
  const std::string& shape_problem() const { return shape_problem_; }
  int64_t count() const { return count_; }
  // Positions where exactly one side is NaN/Inf, or both are but differ (NaN vs Inf, +Inf vs -Inf).
  int64_t nonfinite_mismatched() const { return nonfinite_mismatched_; }
  // Output pairs with no elements.
  int64_t empty_outputs() const { return empty_outputs_; }
  int64_t outputs() const { return outputs_; }
  ErrorStats stats() const;

  // The verdict every pass/fail decision uses: nullopt when the outputs agree within `bound`
  // (E ≤ bound), else one line saying why. Fails on differing shapes, nothing compared, empty
  // outputs, NaN/Inf on either side (as `policy` allows), a NaN bound and E above the bound.
  // `reference` and `candidate` name the two sides in the line ("the golden outputs", …).
  std::optional<std::string> problem(double bound, VerdictPolicy policy = {},
                                     const std::string& reference = "the reference",
                                     const std::string& candidate = "the candidate") const;

 private:
  double sum_abs_ = 0, max_abs_ = 0, sum_sq_diff_ = 0, sum_sq_ref_ = 0;
  int64_t count_ = 0, rows_ = 0, agree_ = 0, nonfinite_ref_ = 0, nonfinite_cand_ = 0;
  int64_t nonfinite_mismatched_ = 0, empty_outputs_ = 0, outputs_ = 0;
  std::string shape_problem_;
};

}  // namespace kiln
