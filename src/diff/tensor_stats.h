#pragma once
// Statistics of one reference/target tensor pair, accumulated sample by sample so no activation
// is kept after it was counted: max and mean |ref − target|, relative L2, cosine similarity,
// NaN/Inf on each side, each side's range and, for a quantized target, the share of reference
// values outside the quantized range.
#include <cstdint>
#include <optional>
#include <string>

#include "diff/diff_result.h"
#include "tensor/host_tensor.h"
#include "tensor/tensor_view.h"

namespace kiln {

// The per-tensor bound used when the user gives none: by the target tensor's element type. FP32
// math differs by reassociation only (1e-4 relative); FP16 keeps 11 bits, BF16 8; integers must
// be equal.
struct Tolerance {
  double atol = 0, rtol = 0;
};
Tolerance default_tolerance(DType target_dtype);

class TensorStats {
 public:
  // Both tensors of one sample; a shape mismatch is remembered (problem()) and the pair skipped.
  void add(const TensorView& reference, const TensorView& target,
           const std::optional<QuantizedTensorRecord>& quant);
  void add(const HostTensor& reference, const HostTensor& target,
           const std::optional<QuantizedTensorRecord>& quant) {
    add(view_of(reference), view_of(target), quant);
  }
  const std::optional<std::string>& problem() const { return problem_; }
  bool empty() const { return n_ == 0; }
  // The record for this pair, judged against `tol` (max_abs ≤ atol + rtol · max |ref|, and every
  // NaN/Inf matched by the same value on the other side).
  void fill(TensorDiffRecord& record, const Tolerance& tol) const;

 private:
  int64_t n_ = 0, finite_ = 0;
  double max_abs_ = 0, sum_abs_ = 0, sum_sq_diff_ = 0, sum_sq_ref_ = 0, sum_sq_tgt_ = 0, dot_ = 0;
  double max_ref_abs_ = 0;
  int64_t nan_ref_ = 0, inf_ref_ = 0, nan_tgt_ = 0, inf_tgt_ = 0, clipped_ = 0;
  int64_t nonfinite_mismatch_ = 0;  // positions where the two sides' NaN/Inf differ
  double ref_min_ = 0, ref_max_ = 0, tgt_min_ = 0, tgt_max_ = 0;
  bool seen_ref_ = false, seen_tgt_ = false;
  std::string ref_dtype_, tgt_dtype_;
  std::vector<int64_t> shape_;
  std::optional<std::string> problem_;
};

}  // namespace kiln
