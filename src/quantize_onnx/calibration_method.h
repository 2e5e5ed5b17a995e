#pragma once
// How an activation's quantization range is chosen from what calibration saw:
//  - minmax:     the smallest and largest value seen (nothing clipped; one outlier widens the
//  step).
//  - percentile: |x| clipped at a percentile of the |x| histogram (default 99.999 %).
//  - entropy:    the clipping window whose quantized distribution loses the least information
//                (smallest KL divergence), TensorRT's entropy calibrator applied to the signed
//                values and the uint8 grid kiln actually uses (see entropy_range).
// Both clip the two ends of the observed [min, max] at one threshold on |x| (clip_range).
#include <cstdint>
#include <string>
#include <vector>

#include "kiln/quantize_onnx.h"

namespace kiln {

// CalibrationMethod, parse_calibration_method, to_string: the public kiln/quantize_onnx.h.

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

// A histogram of x with fixed bins over [lo, hi], the range the first calibration pass saw.
// Exact zeros are counted apart: the quantized grid always holds 0 exactly (the zero point), so
// ReLU's spike at 0 costs nothing and must not weigh on the choice of range.
struct ValueHistogram {
  double lo = 0, hi = 0;
  double zeros = 0;
  std::vector<double> counts;
  explicit ValueHistogram(double lo = 0, double hi = 0, int bins = 2048)
      : lo(lo), hi(hi), counts(bins, 0.0) {}
  double bin_width() const { return (hi - lo) / static_cast<double>(counts.size()); }
  void add(const float* values, int64_t n);
};

// Entropy calibration (TensorRT's KL method) on the signed histogram. Each candidate clips |x| at
// a threshold t, leaving the window [max(lo, −t), min(hi, t)] that clip_range keeps. The reference
// is the window's bins with the clipped mass folded into its edge bins; the candidate is the
// window's own bins merged into `levels` groups (the uint8 grid: 256) and spread back over the
// reference's non-empty bins. The window with the smallest KL(reference ‖ candidate) wins;
// windows narrower than `levels` bins are not tried. Working on signed values rather than |x|
// matters for asymmetric tensors: MNIST's normalized input (background −0.42, strokes up to
// 2.8) interleaves the two signs on |x| and TensorRT's |x| search clipped the strokes.
Range entropy_range(const ValueHistogram& hist, int levels);

// The range a threshold on |x| leaves of the observed [min, max].
Range clip_range(const Range& observed, double threshold);

}  // namespace kiln
