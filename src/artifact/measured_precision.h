#pragma once
// Numbers in metadata.yaml carry the precision they were measured to (latency_ms: 0.306, not
// 0.30576400000000004); the full-precision figures stay in the JSON reports.
#include <cmath>
#include <cstdint>

namespace kiln {

inline double round_decimals(double v, int decimals) {
  if (!std::isfinite(v)) return v;
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

// Three significant digits of 0.00030576 are 0.000306.
inline double round_significant(double v, int digits) {
  if (!std::isfinite(v) || v == 0) return v;
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(v))));
  return round_decimals(v, digits - 1 - magnitude);
}

// Decimals that resolve one sample in `samples` for a fraction (10000 samples: 4).
inline int fraction_digits(int64_t samples) {
  int d = 0;
  for (int64_t n = 1; n < samples; n *= 10) ++d;
  return d;
}

}  // namespace kiln
