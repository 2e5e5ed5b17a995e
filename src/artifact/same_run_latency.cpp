#include "artifact/same_run_latency.h"

#include <algorithm>
#include <memory>

#include "bench/latency_stats.h"
#include "bench/ort_target.h"
#include "bench/schedule.h"
#include "bench/timed_runs.h"
#include "runtime/open_model.h"
#include "runtime/torchscript_engine.h"

namespace kiln {

SameRunLatency measure_same_run_latency(const std::filesystem::path& model,
                                        const std::filesystem::path& reference,
                                        const std::vector<HostTensor>& inputs, int runs) {
  std::unique_ptr<BenchTarget> a = std::make_unique<OrtTarget>(model, SessionOptions{});
  std::unique_ptr<BenchTarget> b = is_torchscript_file(reference)
                                       ? open_torchscript_bench_target(reference)
                                       : std::make_unique<OrtTarget>(reference, SessionOptions{});
  a->prepare(inputs);
  b->prepare(inputs);
  // Interleaved in blocks: each switch pays a settle pause (bench/timed_runs.h).
  auto schedule = interleaved_schedule(2, 10, runs, std::min(10, std::max(1, runs)));
  auto samples = timed_runs({a.get(), b.get()}, schedule, kSettleMs, kRewarmMs);
  SameRunLatency out;
  out.p50_ms = compute_latency_stats(samples[0]).p50;
  out.reference_p50_ms = compute_latency_stats(samples[1]).p50;
  return out;
}

}  // namespace kiln
