#pragma once
// Latency statistics from per-run samples (milliseconds, monotonic clock). Percentiles use linear
// interpolation between closest ranks (numpy's default), so kiln and the Python peer agree.
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln {

struct LatencyStats {
  int runs = 0;
  double p50 = 0, p90 = 0, p99 = 0, mean = 0, min = 0, max = 0;
  double stddev = 0;  // sample standard deviation (n − 1)
  double cv = 0;      // stddev / mean: how noisy the machine was for this model

  nlohmann::json to_json() const;
  static LatencyStats from_json(const nlohmann::json& j);
};

// q in [0, 1]; `sorted` must be sorted ascending and non-empty.
double percentile(const std::vector<double>& sorted, double q);
// Throws kiln::Error for an empty sample set.
LatencyStats compute_latency_stats(std::vector<double> samples_ms);

}  // namespace kiln
