#include "quantize_onnx/calibration_method.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"

namespace kiln {

CalibrationMethod parse_calibration_method(const std::string& text) {
  if (text == "minmax") return CalibrationMethod::MinMax;
  if (text == "percentile") return CalibrationMethod::Percentile;
  if (text == "entropy") return CalibrationMethod::Entropy;
  throw UsageError("--method: unknown calibration method '" + text +
                   "' (minmax, percentile or entropy)");
}

std::string to_string(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::MinMax:
      return "minmax";
    case CalibrationMethod::Percentile:
      return "percentile";
    case CalibrationMethod::Entropy:
      return "entropy";
  }
  return "?";
}

void AbsHistogram::add(const float* values, int64_t n) {
  if (!(limit > 0)) {
    counts[0] += static_cast<double>(n);
    return;
  }
  const double per_unit = static_cast<double>(counts.size()) / limit;
  const auto last = static_cast<int64_t>(counts.size()) - 1;
  for (int64_t i = 0; i < n; ++i) {
    auto bin = static_cast<int64_t>(std::abs(values[i]) * per_unit);
    counts[std::clamp<int64_t>(bin, 0, last)] += 1;
  }
}

double percentile_threshold(const AbsHistogram& hist, double percentile) {
  double total = 0;
  for (double c : hist.counts) total += c;
  if (total <= 0) return 0;
  double wanted = total * percentile / 100.0, seen = 0;
  for (size_t i = 0; i < hist.counts.size(); ++i) {
    seen += hist.counts[i];
    if (seen >= wanted) return static_cast<double>(i + 1) * hist.bin_width();
  }
  return hist.limit;
}

namespace {

// KL(p ‖ q) of two unnormalized distributions over the same bins; bins where p is 0 add nothing.
// A bin where p > 0 and q = 0 (the folded outliers landing in an empty bin) counts as q = 1e-4,
// the smoothing ONNX Runtime's calibrator applies, so clipping mass is never free.
double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  double sp = 0, sq = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    sp += p[i];
    sq += q[i];
  }
  if (sp <= 0 || sq <= 0) return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0) continue;
    double pi = p[i] / sp, qi = q[i] > 0 ? q[i] / sq : 1e-4;
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

}  // namespace

double entropy_threshold(const AbsHistogram& hist, int levels) {
  const int bins = static_cast<int>(hist.counts.size());
  if (levels <= 0 || bins <= levels) return hist.limit;
  // Suffix sums: the mass beyond a candidate threshold folds into its last bin.
  std::vector<double> beyond(bins + 1, 0.0);
  for (int i = bins - 1; i >= 0; --i) beyond[i] = beyond[i + 1] + hist.counts[i];
  if (beyond[0] <= 0) return hist.limit;
  double best_kl = std::numeric_limits<double>::infinity();
  int best = bins;
  std::vector<double> p, q;
  for (int i = levels; i <= bins; ++i) {
    p.assign(hist.counts.begin(), hist.counts.begin() + i);
    p[i - 1] += beyond[i];
    q.assign(i, 0.0);
    const double merged = static_cast<double>(i) / levels;
    for (int j = 0; j < levels; ++j) {
      int start = static_cast<int>(std::floor(j * merged));
      int end = j == levels - 1 ? i : static_cast<int>(std::floor((j + 1) * merged));
      double mass = 0;
      int nonzero = 0;
      for (int k = start; k < end; ++k) {
        mass += hist.counts[k];
        nonzero += hist.counts[k] > 0;
      }
      if (nonzero == 0) continue;
      for (int k = start; k < end; ++k)
        if (hist.counts[k] > 0) q[k] = mass / nonzero;
    }
    // The candidate is built from the unfolded bins: clipped mass shows up in the last bin.
    double kl = kl_divergence(p, q);
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return static_cast<double>(best) * hist.bin_width();
}

Range clip_range(const Range& observed, double threshold) {
  return {std::max(observed.min, -threshold), std::min(observed.max, threshold)};
}

}  // namespace kiln
