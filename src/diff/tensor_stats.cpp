#include "diff/tensor_stats.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/shape.h"

namespace kiln {

Tolerance default_tolerance(DType target_dtype) {
  switch (target_dtype) {
    case DType::Float32:
    case DType::Float64: return {1e-5, 1e-4};
    case DType::Float16: return {1e-3, 1e-2};
    case DType::BFloat16: return {1e-2, 4e-2};
    default: return {0, 0};
  }
}

namespace {

// Element i as double: float32 read directly (the common case), others through HostTensor.
struct Reader {
  const TensorView& t;
  std::vector<double> widened;
  explicit Reader(const TensorView& tensor) : t(tensor) {
    if (t.dtype != DType::Float32) widened = t.copy().to_doubles();
  }
  double operator[](int64_t i) const {
    return t.dtype == DType::Float32 ? static_cast<double>(t.ptr<float>()[i])
                                     : widened[static_cast<size_t>(i)];
  }
};

}  // namespace

void TensorStats::add(const TensorView& reference, const TensorView& target,
                      const std::optional<QuantizedTensorRecord>& quant) {
  if (problem_) return;
  if (reference.shape != target.shape) {
    problem_ = fmt::format("shape {} in the reference, {} in the target",
                           format_shape(reference.shape), format_shape(target.shape));
    return;
  }
  ref_dtype_ = dtype_name(reference.dtype);
  tgt_dtype_ = dtype_name(target.dtype);
  shape_ = reference.shape;
  const int64_t count = reference.numel();
  int64_t i = 0;
  // float32 on both sides without a quantized target (the common case): blocks of 8 lanes the
  // compiler vectorizes, folded into the double totals per block; a block with a NaN or an Inf
  // goes through the element loop below instead.
  if (reference.dtype == DType::Float32 && target.dtype == DType::Float32 && !quant) {
    constexpr int kLanes = 8;
    constexpr int64_t kBlock = 512;
    const float* x = reference.ptr<float>();
    const float* y = target.ptr<float>();
    for (; i + kBlock <= count; i += kBlock) {
      float bad = 0;
      for (int64_t j = 0; j < kBlock; ++j) bad += (x[i + j] - x[i + j]) + (y[i + j] - y[i + j]);
      if (bad != 0) break;  // NaN: a non-finite value in this block
      float mx[kLanes] = {}, sa[kLanes] = {}, sd[kLanes] = {}, sr[kLanes] = {}, st[kLanes] = {},
            dt[kLanes] = {};
      float rmin[kLanes], rmax[kLanes], tmin[kLanes], tmax[kLanes];
      for (int l = 0; l < kLanes; ++l) {
        rmin[l] = rmax[l] = x[i];
        tmin[l] = tmax[l] = y[i];
      }
      for (int64_t j = 0; j < kBlock; j += kLanes) {
        for (int l = 0; l < kLanes; ++l) {
          const float a = x[i + j + l], b = y[i + j + l], d = std::fabs(a - b);
          mx[l] = std::max(mx[l], d);
          sa[l] += d;
          sd[l] += d * d;
          sr[l] += a * a;
          st[l] += b * b;
          dt[l] += a * b;
          rmin[l] = std::min(rmin[l], a);
          rmax[l] = std::max(rmax[l], a);
          tmin[l] = std::min(tmin[l], b);
          tmax[l] = std::max(tmax[l], b);
        }
      }
      for (int l = 0; l < kLanes; ++l) {
        max_abs_ = std::max(max_abs_, static_cast<double>(mx[l]));
        sum_abs_ += sa[l];
        sum_sq_diff_ += sd[l];
        sum_sq_ref_ += sr[l];
        sum_sq_tgt_ += st[l];
        dot_ += dt[l];
        ref_min_ = seen_ref_ ? std::min(ref_min_, static_cast<double>(rmin[l])) : rmin[l];
        ref_max_ = seen_ref_ ? std::max(ref_max_, static_cast<double>(rmax[l])) : rmax[l];
        tgt_min_ = seen_tgt_ ? std::min(tgt_min_, static_cast<double>(tmin[l])) : tmin[l];
        tgt_max_ = seen_tgt_ ? std::max(tgt_max_, static_cast<double>(tmax[l])) : tmax[l];
        seen_ref_ = seen_tgt_ = true;
      }
      max_ref_abs_ = std::max({max_ref_abs_, std::fabs(ref_min_), std::fabs(ref_max_)});
      finite_ += kBlock;
    }
  }
  const Reader a(reference), b(target);
  for (; i < count; ++i) {
    const double x = a[i], y = b[i];
    if (std::isnan(x)) ++nan_ref_;
    if (std::isinf(x)) ++inf_ref_;
    if (std::isnan(y)) ++nan_tgt_;
    if (std::isinf(y)) ++inf_tgt_;
    if (std::isfinite(x)) {
      ref_min_ = seen_ref_ ? std::min(ref_min_, x) : x;
      ref_max_ = seen_ref_ ? std::max(ref_max_, x) : x;
      seen_ref_ = true;
      max_ref_abs_ = std::max(max_ref_abs_, std::fabs(x));
    }
    if (std::isfinite(y)) {
      tgt_min_ = seen_tgt_ ? std::min(tgt_min_, y) : y;
      tgt_max_ = seen_tgt_ ? std::max(tgt_max_, y) : y;
      seen_tgt_ = true;
    }
    if (!std::isfinite(x) || !std::isfinite(y)) {
      // The same NaN or infinity on both sides agrees; anything else at this position diverges.
      nonfinite_mismatch_ += std::isnan(x) ? !std::isnan(y) : x != y;
      continue;
    }
    const double d = std::fabs(x - y);
    max_abs_ = std::max(max_abs_, d);
    sum_abs_ += d;
    sum_sq_diff_ += d * d;
    sum_sq_ref_ += x * x;
    sum_sq_tgt_ += y * y;
    dot_ += x * y;
    ++finite_;
    if (quant) {
      const double q = std::nearbyint(x / quant->scale) + static_cast<double>(quant->zero_point);
      if (q < static_cast<double>(quant->qmin) || q > static_cast<double>(quant->qmax)) ++clipped_;
    }
  }
  n_ += count;
}

void TensorStats::fill(TensorDiffRecord& r, const Tolerance& tol) const {
  r.reference_dtype = ref_dtype_;
  r.target_dtype = tgt_dtype_;
  r.shape = shape_;
  r.elements = n_;
  r.max_abs = max_abs_;
  r.mean_abs = finite_ > 0 ? sum_abs_ / static_cast<double>(finite_) : 0;
  // An all-zero reference: 1 when the target is not zero too (JSON has no infinity).
  r.relative_l2 = sum_sq_ref_ > 0 ? std::sqrt(sum_sq_diff_ / sum_sq_ref_)
                                  : (sum_sq_diff_ > 0 ? 1.0 : 0.0);
  const double norms = std::sqrt(sum_sq_ref_) * std::sqrt(sum_sq_tgt_);
  r.cosine = norms > 0 ? dot_ / norms : (sum_sq_ref_ == sum_sq_tgt_ ? 1 : 0);
  r.nan_reference = nan_ref_;
  r.inf_reference = inf_ref_;
  r.nan_target = nan_tgt_;
  r.inf_target = inf_tgt_;
  r.reference_min = ref_min_;
  r.reference_max = ref_max_;
  r.target_min = tgt_min_;
  r.target_max = tgt_max_;
  r.tolerance = tol.atol + tol.rtol * max_ref_abs_;
  // NaN-safe: a NaN/Inf on one side only (either side), or a different one, diverges; a NaN
  // tolerance (never from the options, which refuse it) would too.
  r.diverges = !(r.max_abs <= r.tolerance) || nonfinite_mismatch_ > 0;
  if (r.quantized && n_ > 0)
    r.quantized->clipped_share = static_cast<double>(clipped_) / static_cast<double>(n_);
}

}  // namespace kiln
