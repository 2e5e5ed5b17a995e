#include "artifact/same_run_latency.h"

#include <algorithm>

#include "bench/bench_runner.h"
#include "bench/ort_target.h"
#include "runtime/open_model.h"
#include "runtime/torchscript_engine.h"

namespace kiln {

SameRunLatency measure_same_run_latency(const std::filesystem::path& model,
                                        const std::filesystem::path& reference, Shape shape,
                                        int runs) {
  std::vector<BenchModel> timed(2);
  timed[0].name = model.filename().string();
  timed[0].target = std::make_unique<OrtTarget>(model, SessionOptions{});
  timed[1].name = reference.filename().string();
  if (is_torchscript_file(reference))
    timed[1].target = open_torchscript_bench_target(reference);
  else
    timed[1].target = std::make_unique<OrtTarget>(reference, SessionOptions{});
  BenchSettings settings;
  settings.runs = runs;
  settings.block = std::min(10, std::max(1, runs));  // blocks: each switch pays a settle pause
  settings.batches = {1};
  shape[0] = 1;
  BenchMeasurement bench = run_bench(timed, shape, settings, nullptr);
  SameRunLatency out;
  out.p50_ms = bench.row(0, 1).latency.p50;
  out.reference_p50_ms = bench.row(1, 1).latency.p50;
  return out;
}

}  // namespace kiln
