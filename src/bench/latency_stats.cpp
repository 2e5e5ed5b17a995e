#include "bench/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"

namespace kiln {

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw Error("percentile of no samples");
  double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

LatencyStats compute_latency_stats(std::vector<double> samples) {
  if (samples.empty()) throw Error("no latency samples to summarize");
  std::sort(samples.begin(), samples.end());
  LatencyStats s;
  s.runs = static_cast<int>(samples.size());
  s.p50 = percentile(samples, 0.50);
  s.p90 = percentile(samples, 0.90);
  s.p99 = percentile(samples, 0.99);
  s.min = samples.front();
  s.max = samples.back();
  double n = static_cast<double>(samples.size());
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / n;
  double ss = 0;
  for (double x : samples) ss += (x - s.mean) * (x - s.mean);
  s.stddev = samples.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
  s.cv = s.mean > 0 ? s.stddev / s.mean : 0.0;
  return s;
}

nlohmann::json LatencyStats::to_json() const {
  return {{"runs", runs}, {"p50_ms", p50}, {"p90_ms", p90},   {"p99_ms", p99}, {"mean_ms", mean},
          {"min_ms", min}, {"max_ms", max}, {"std_ms", stddev}, {"cv", cv}};
}

LatencyStats LatencyStats::from_json(const nlohmann::json& j) {
  LatencyStats s;
  s.runs = j.at("runs").get<int>();
  s.p50 = j.at("p50_ms").get<double>();
  s.p90 = j.at("p90_ms").get<double>();
  s.p99 = j.at("p99_ms").get<double>();
  s.mean = j.at("mean_ms").get<double>();
  s.min = j.at("min_ms").get<double>();
  s.max = j.at("max_ms").get<double>();
  s.stddev = j.at("std_ms").get<double>();
  s.cv = j.at("cv").get<double>();
  return s;
}

}  // namespace kiln
