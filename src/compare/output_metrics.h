#pragma once
// The seminar's equivalence numbers between a reference and a candidate output, accumulated over
// several batches: E = mean |y − ŷ|, max |y − ŷ|, relative L2, top-1 agreement, non-finite counts.
#include <cstdint>

#include "compare/compare_result.h"

#include "tensor/host_tensor.h"

namespace kiln {

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
  ErrorStats stats() const;

 private:
  double sum_abs_ = 0, max_abs_ = 0, sum_sq_diff_ = 0, sum_sq_ref_ = 0;
  int64_t count_ = 0, rows_ = 0, agree_ = 0, nonfinite_ref_ = 0, nonfinite_cand_ = 0;
  std::string shape_problem_;
};

}  // namespace kiln
