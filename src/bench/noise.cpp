#include "bench/noise.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace kiln {

std::optional<std::string> ranking_warning(const std::string& a, const LatencyStats& sa,
                                           const std::string& b, const LatencyStats& sb,
                                           int64_t batch) {
  double lo = std::min(sa.p50, sb.p50);
  if (lo <= 0) return std::nullopt;
  double diff = std::abs(sa.p50 - sb.p50) / lo;
  double noise = std::max(sa.cv, sb.cv);
  if (diff >= noise) return std::nullopt;
  return fmt::format(
      "batch {}: {} and {} cannot be ranked: their p50s differ by {:.1f}% but the runs vary by "
      "{:.1f}% (CV)",
      batch, a, b, 100 * diff, 100 * noise);
}

std::vector<std::string> noise_warnings(const BenchMeasurement& report) {
  std::vector<std::string> out;
  const auto& models = report.models;
  auto name = [&](int i) {
    return i >= 0 && static_cast<size_t>(i) < models.size() ? models[static_cast<size_t>(i)].name
                                                            : fmt::format("model {}", i);
  };
  std::map<int64_t, std::vector<std::pair<int, LatencyStats>>> by_batch;
  for (const auto& r : report.results) {
    const LatencyStats& st = r.latency;
    int m = r.model;
    int64_t batch = r.batch;
    by_batch[batch].push_back({m, st});
    if (st.cv > kNoisyCv) {
      out.push_back(
          fmt::format("batch {}: {} varies by {:.0f}% (CV > {:.0f}%): the machine was busy; "
                      "rerun when it is quiet",
                      batch, name(m), 100 * st.cv, 100 * kNoisyCv));
    }
  }
  for (auto& [batch, list] : by_batch) {
    std::sort(list.begin(), list.end(),
              [](const auto& x, const auto& y) { return x.second.p50 < y.second.p50; });
    for (size_t i = 1; i < list.size(); ++i) {
      if (auto w = ranking_warning(name(list[i - 1].first), list[i - 1].second, name(list[i].first),
                                   list[i].second, batch))
        out.push_back(*w);
    }
  }
  return out;
}

}  // namespace kiln
