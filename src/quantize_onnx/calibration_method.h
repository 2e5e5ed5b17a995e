#pragma once
// How an activation's quantization range is chosen from what calibration saw:
//  - minmax:     the smallest and largest value seen (nothing clipped; one outlier widens the
//  step).
//  - percentile: |x| clipped at a percentile of the |x| histogram (default 99.999 %).
//  - entropy:    the clipping threshold whose quantized distribution loses the least information
//                (smallest KL divergence), TensorRT's entropy calibrator.
// The histogram methods work on |x| over [0, max |x|] and clip both ends at the threshold.
#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

enum class CalibrationMethod { MinMax, Percentile, Entropy };

// "minmax|percentile|entropy"; kiln::UsageError for other words.
CalibrationMethod parse_calibration_method(const std::string& text);
std::string to_string(CalibrationMethod method);

struct Range {
  double min = 0, max = 0;
};

// A histogram of |x| with fixed bins over [0, limit].
struct AbsHistogram {
  double limit = 0;
  std::vector<double> counts;
  explicit AbsHistogram(double limit = 0, int bins = 2048) : limit(limit), counts(bins, 0.0) {}
  double bin_width() const { return limit / static_cast<double>(counts.size()); }
  void add(const float* values, int64_t n);
};

// The |x| below which `percentile` percent of the histogram's mass lies (upper edge of that bin).
double percentile_threshold(const AbsHistogram& hist, double percentile);

// TensorRT's KL threshold: for every candidate bin count i ≥ `levels`, the reference is the first
// i bins with the mass beyond folded into bin i−1, the candidate is those bins merged into
// `levels` groups and spread back over their non-empty bins; the i with the smallest
// KL(reference ‖ candidate) wins and the threshold is its upper edge. `levels` is the number of
// quantized values the clipped range gets (256 for non-negative uint8 tensors, 128 otherwise).
double entropy_threshold(const AbsHistogram& hist, int levels);

// The range a threshold on |x| leaves of the observed [min, max].
Range clip_range(const Range& observed, double threshold);

}  // namespace kiln
