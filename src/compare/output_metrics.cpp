#include "compare/output_metrics.h"

#include <cmath>

#include <fmt/format.h>

namespace kiln {

bool OutputMetrics::add(const HostTensor& ref, const HostTensor& cand) {
  if (ref.shape != cand.shape) {
    shape_problem_ = fmt::format("output shapes differ: {} vs {}", format_shape(ref.shape),
                                 format_shape(cand.shape));
    return false;
  }
  auto a = ref.to_doubles(), b = cand.to_doubles();
  ++outputs_;
  empty_outputs_ += a.empty();
  for (size_t i = 0; i < a.size(); ++i) {
    bool fa = std::isfinite(a[i]), fb = std::isfinite(b[i]);
    nonfinite_ref_ += !fa;
    nonfinite_cand_ += !fb;
    if (!fa || !fb) {
      const bool same = !fa && !fb && (std::isnan(a[i]) ? std::isnan(b[i]) : a[i] == b[i]);
      nonfinite_mismatched_ += !same;
      continue;
    }
    double d = std::abs(a[i] - b[i]);
    sum_abs_ += d;
    max_abs_ = std::max(max_abs_, d);
    sum_sq_diff_ += d * d;
    sum_sq_ref_ += a[i] * a[i];
    ++count_;
  }
  // Classification-shaped outputs (batch × classes): does the arg-max agree?
  if (ref.shape.size() == 2 && ref.shape[1] > 1) {
    int64_t n = ref.shape[0], k = ref.shape[1];
    for (int64_t r = 0; r < n; ++r) {
      int64_t ia = 0, ib = 0;
      for (int64_t c = 1; c < k; ++c) {
        if (a[size_t(r * k + c)] > a[size_t(r * k + ia)]) ia = c;
        if (b[size_t(r * k + c)] > b[size_t(r * k + ib)]) ib = c;
      }
      agree_ += ia == ib;
      ++rows_;
    }
  }
  return true;
}

double OutputMetrics::relative_l2() const {
  return sum_sq_ref_ > 0 ? std::sqrt(sum_sq_diff_) / std::sqrt(sum_sq_ref_)
                         : std::sqrt(sum_sq_diff_);
}

std::optional<std::string> OutputMetrics::problem(double bound, VerdictPolicy policy,
                                                  const std::string& reference,
                                                  const std::string& candidate) const {
  if (!shape_problem_.empty()) return shape_problem_;
  if (outputs_ == 0) return std::string("no outputs compared");
  if (empty_outputs_ > 0 && !(policy.empty && empty_outputs_ == outputs_))
    return fmt::format("{} of {} outputs have no elements (nothing to compare)", empty_outputs_,
                       outputs_);
  if (nonfinite_ref_ > 0 || nonfinite_cand_ > 0) {
    if (!policy.matching_nonfinite)
      return fmt::format("NaN/Inf values: {} in {}, {} in {}", nonfinite_ref_, reference,
                         nonfinite_cand_, candidate);
    if (nonfinite_mismatched_ > 0)
      return fmt::format("{} NaN/Inf values not matched by the other side ({} in {}, {} in {})",
                         nonfinite_mismatched_, nonfinite_ref_, reference, nonfinite_cand_,
                         candidate);
  }
  if (std::isnan(bound)) return std::string("the bound is NaN");
  if (!(mean_abs() <= bound))
    return fmt::format("E = {:.3g} exceeds the bound {:g}", mean_abs(), bound);
  return std::nullopt;
}

ErrorStats OutputMetrics::stats() const {
  ErrorStats e;
  e.mean_abs_error = mean_abs();
  e.max_abs_error = max_abs();
  e.relative_l2 = relative_l2();
  e.elements = count_;
  e.nonfinite_reference = nonfinite_ref_;
  e.nonfinite_candidate = nonfinite_cand_;
  if (rows_ > 0) e.top1_agreement = top1_agreement();
  if (!shape_problem_.empty()) e.shape_problem = shape_problem_;
  return e;
}

}  // namespace kiln
