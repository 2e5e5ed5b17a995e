#pragma once
// When the machine was too noisy to rank two models. Two models at one batch size are called
// "not rankable" when their p50s differ by less than the spread of either: the relative
// difference |a − b| / min(a, b) is below the larger coefficient of variation.
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_result.h"
#include "bench/latency_stats.h"

namespace kiln {

// A CV above this says the runs themselves were disturbed (another process, frequency changes).
inline constexpr double kNoisyCv = 0.25;

// nullopt when the difference is larger than the noise.
std::optional<std::string> ranking_warning(const std::string& a, const LatencyStats& sa,
                                           const std::string& b, const LatencyStats& sb,
                                           int64_t batch);

// Every warning for a report's {"models", "results"}: neighbours in p50 order at each batch
// size that cannot be ranked, and single results whose CV says the machine was busy.
std::vector<std::string> noise_warnings(const BenchMeasurement& report);

}  // namespace kiln
