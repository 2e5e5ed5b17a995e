#pragma once
// Latency statistics from per-run samples (milliseconds, monotonic clock). Percentiles use linear
// interpolation between closest ranks (numpy's default), so kiln and the Python peer agree.
#include <vector>

#include <nlohmann/json.hpp>

#include "kiln/bench.h"

namespace kiln {

// LatencyStats: the public kiln/bench.h.

// q in [0, 1]; `sorted` must be sorted ascending and non-empty.
double percentile(const std::vector<double>& sorted, double q);
// Throws kiln::Error for an empty sample set.
LatencyStats compute_latency_stats(std::vector<double> samples_ms);

}  // namespace kiln
