#include "artifact/same_run_latency.h"

#include "bench/bench_runner.h"
#include "bench/ort_target.h"
#include "bench/torch_target.h"
#include "runtime/open_model.h"

namespace kiln {

SameRunLatency measure_same_run_latency(const std::filesystem::path& model, const std::filesystem::path& reference,
                                        Shape shape, int runs) {
  std::vector<BenchModel> timed(2);
  timed[0].name = model.filename().string();
  timed[0].target = std::make_unique<OrtTarget>(model, SessionOptions{});
  timed[1].name = reference.filename().string();
  if (is_torchscript_file(reference)) timed[1].target = std::make_unique<TorchTarget>(reference);
  else timed[1].target = std::make_unique<OrtTarget>(reference, SessionOptions{});
  BenchSettings settings;
  settings.runs = runs;
  settings.batches = {1};
  shape[0] = 1;
  auto bench = run_bench(timed, shape, settings, nullptr);
  SameRunLatency out;
  for (const auto& r : bench["results"]) {
    (r["model"] == 0 ? out.p50_ms : out.reference_p50_ms) = r["latency"]["p50_ms"].get<double>();
  }
  return out;
}

}  // namespace kiln
