#include "bench/bench_result.h"

#include <fmt/format.h>

namespace kiln {

void to_json(nlohmann::json& j, const LatencyStats& s) {
  j = s.to_json();
}
void from_json(const nlohmann::json& j, LatencyStats& s) {
  s = LatencyStats::from_json(j);
}
void to_json(nlohmann::json& j, const Accuracy& a) {
  j = a.to_json();
}
void from_json(const nlohmann::json& j, Accuracy& a) {
  a.samples = j.at("samples").get<int64_t>();
  a.correct = j.at("correct").get<int64_t>();
}

const BenchRow& BenchMeasurement::row(int model, int64_t batch) const {
  for (const auto& r : results)
    if (r.model == model && r.batch == batch) return r;
  throw Error(fmt::format("the benchmark has no row for model {} at batch {}", model, batch));
}

const BenchModelRecord& BenchMeasurement::model_of(const BenchRow& r) const {
  if (r.model < 0 || static_cast<size_t>(r.model) >= models.size())
    throw Error(fmt::format("bench row names model {} of {}", r.model, models.size()));
  return models[static_cast<size_t>(r.model)];
}

}  // namespace kiln
