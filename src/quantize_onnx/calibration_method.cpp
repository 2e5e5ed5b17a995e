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

void ValueHistogram::add(const float* values, int64_t n) {
  const auto last = static_cast<int64_t>(counts.size()) - 1;
  const double per_unit = hi > lo ? static_cast<double>(counts.size()) / (hi - lo) : 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (values[i] == 0.0f) {
      zeros += 1;
      continue;
    }
    auto bin = static_cast<int64_t>((values[i] - lo) * per_unit);
    counts[std::clamp<int64_t>(bin, 0, last)] += 1;
  }
}

namespace {

// KL(reference ‖ candidate) of the window [a, b) of `hist` (see entropy_range).
double window_divergence(const std::vector<double>& counts, const std::vector<double>& below, int a,
                         int b, int levels, std::vector<double>& p, std::vector<double>& q) {
  const int n = b - a;
  const double total = below.back();
  p.assign(counts.begin() + a, counts.begin() + b);
  p.front() += below[a];         // clipped at the low end
  p.back() += total - below[b];  // clipped at the high end
  q.assign(n, 0.0);
  const double merged = static_cast<double>(n) / levels;
  for (int j = 0; j < levels; ++j) {
    int start = static_cast<int>(std::floor(j * merged));
    int end = j == levels - 1 ? n : static_cast<int>(std::floor((j + 1) * merged));
    double mass = 0;
    int nonzero = 0;
    for (int k = start; k < end; ++k) {
      mass += counts[a + k];
      nonzero += p[k] > 0;
    }
    if (nonzero == 0) continue;
    for (int k = start; k < end; ++k)
      if (p[k] > 0) q[k] = mass / nonzero;
  }
  return kl_divergence(p, q);
}

}  // namespace

Range entropy_range(const ValueHistogram& hist, int levels) {
  const Range full{hist.lo, hist.hi};
  const int bins = static_cast<int>(hist.counts.size());
  if (levels <= 0 || bins <= levels || !(hist.hi > hist.lo)) return full;
  std::vector<double> below(bins + 1, 0.0);  // below[k]: mass of the bins before k
  for (int k = 0; k < bins; ++k) below[k + 1] = below[k] + hist.counts[k];
  if (below.back() <= 0) return full;
  const double w = hist.bin_width();
  const double amax = std::max(std::abs(hist.lo), std::abs(hist.hi));
  std::vector<double> p, q;
  int best_a = 0, best_b = bins, last_a = -1, last_b = -1;
  double best_kl = std::numeric_limits<double>::infinity();
  // Thresholds step down by one bin from max |x|; each keeps [max(lo, −t), min(hi, t)].
  for (int step = 0;; ++step) {
    const double t = amax - step * w;
    if (t <= 0) break;
    int a = std::max(0, static_cast<int>(std::lround((-t - hist.lo) / w)));
    int b = std::min(bins, static_cast<int>(std::lround((t - hist.lo) / w)));
    if (b - a < levels) break;
    if (a == last_a && b == last_b) continue;
    last_a = a;
    last_b = b;
    double kl = window_divergence(hist.counts, below, a, b, levels, p, q);
    if (kl < best_kl) {
      best_kl = kl;
      best_a = a;
      best_b = b;
    }
  }
  return {best_a == 0 ? hist.lo : hist.lo + best_a * w,
          best_b == bins ? hist.hi : hist.lo + best_b * w};
}

Range clip_range(const Range& observed, double threshold) {
  return {std::max(observed.min, -threshold), std::min(observed.max, threshold)};
}

}  // namespace kiln
