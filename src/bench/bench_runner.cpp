#include "bench/bench_runner.h"

#include <chrono>
#include <random>

#include <fmt/format.h>

#include "bench/accuracy.h"
#include "bench/latency_stats.h"
#include "bench/noise.h"
#include "bench/schedule.h"
#include "bench/timed_runs.h"
#include "common/error.h"

namespace kiln {

Shape resolve_input_shape(const std::vector<BenchModel>& models, const std::string& given) {
  if (!given.empty()) return parse_shape(given);
  for (const auto& m : models) {
    auto declared = m.target->input_shape();
    if (!declared || declared->empty()) continue;
    Shape s = *declared;
    if (s[0] < 0) s[0] = 1;
    for (size_t d = 1; d < s.size(); ++d) {
      if (s[d] < 0) {
        throw UsageError(fmt::format(
            "{}: input dimension {} is symbolic; pass --input-shape (e.g. 1x1x28x28)", m.name, d));
      }
    }
    return s;
  }
  throw UsageError(
      "--input-shape is required when no model is ONNX (e.g. --input-shape 1x1x28x28)");
}

HostTensor bench_input(const Shape& shape, uint64_t seed) {
  HostTensor t("input", DType::Float32, shape);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  float* p = t.ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = normal(rng);
  return t;
}

BenchMeasurement run_bench(std::vector<BenchModel>& models, const Shape& shape,
                           const BenchSettings& s, const Dataset* test) {
  if (models.empty()) throw UsageError("no models to benchmark");
  if (s.inputs.empty() && shape.empty())
    throw UsageError("the input shape needs a batch dimension");
  BenchMeasurement report;
  const int n = static_cast<int>(models.size());
  auto schedule = interleaved_schedule(n, s.warmup, s.runs, s.block);

  for (int64_t batch : s.batches) {
    std::vector<HostTensor> inputs;
    if (s.inputs.empty()) {
      Shape bs = shape;
      bs[0] = batch;
      inputs.push_back(bench_input(bs, s.seed + static_cast<uint64_t>(batch)));
    } else {
      inputs = random_inputs_for(with_dim_size(s.inputs, batch_symbol(s.inputs), batch), false,
                                 s.seed + static_cast<uint64_t>(batch));
    }
    for (auto& m : models) m.target->prepare(inputs);
    std::vector<BenchTarget*> targets;
    for (auto& m : models) targets.push_back(m.target.get());
    auto samples = timed_runs(targets, schedule, s.settle_ms, s.rewarm_ms);
    for (int i = 0; i < n; ++i) {
      LatencyStats st = compute_latency_stats(samples[static_cast<size_t>(i)]);
      BenchRow r;
      r.model = i;
      r.batch = batch;
      r.latency = st;
      r.throughput_calls_per_s = 1000.0 / st.mean;
      r.throughput_samples_per_s = 1000.0 * static_cast<double>(batch) / st.mean;
      if (const auto& f = models[static_cast<size_t>(i)].flops_per_sample) {
        // FLOP rate from the median run: the figure the sgemm comparison uses.
        r.gflops_p50 = *f * static_cast<double>(batch) / (st.p50 * 1e6);
      }
      report.results.push_back(r);
    }
    if (s.progress) s.progress(fmt::format("batch {} measured", batch));
  }

  std::optional<double> first_accuracy;
  for (int i = 0; i < n; ++i) {
    auto& m = models[static_cast<size_t>(i)];
    BenchModelRecord j;
    j.name = m.name;
    j.path = m.path.string();
    j.engine = m.target->engine();
    j.size_bytes = m.size_bytes;
    j.flops_per_sample = m.flops_per_sample;
    if (test != nullptr) {
      Accuracy a = top1_accuracy(*test, s.accuracy_samples, s.accuracy_batch,
                                 [&](const HostTensor& x) { return m.target->infer(x); });
      j.accuracy = a;
      if (!first_accuracy) first_accuracy = a.value();
      j.delta_accuracy_pp = 100.0 * (a.value() - *first_accuracy);
      if (s.progress) s.progress(fmt::format("accuracy of {}", m.name));
    }
    report.models.push_back(j);
  }
  report.warnings = noise_warnings(report);
  return report;
}

}  // namespace kiln
