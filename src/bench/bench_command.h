#pragma once
// `kiln bench` as a library call: opens each model with its engine (.onnx → ONNX Runtime,
// TorchScript → LibTorch, by content), measures them interleaved, scores them on a dataset and
// returns the whole report (settings, machine facts, an sgemm rate measured in the same run).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_result.h"
#include "bench/timed_runs.h"
#include "common/json_record.h"
#include "runtime/input_spec.h"
#include "runtime/ort_session.h"

namespace kiln {

struct BenchOptions {
  std::vector<std::filesystem::path> models;
  int runs = 100, warmup = 10;
  int block = 10;  // timed runs of one model before switching to the next (1: A, B, A, B …)
  int settle_ms = kSettleMs;  // pause at a switch after an engine that spins (bench/timed_runs.h)
  std::string batches = "1,64";
  int threads = 0;  // 0: each engine's default
  std::string ort_opt = "all", provider = "cpu";
  std::optional<std::filesystem::path> config;  // best.json from --tune
  std::string objective = "latency";            // which configuration of best.json
  std::string dataset = "none";
  int64_t accuracy_samples = 0;  // ≤ 0: the whole test split
  std::string input_shape;
  // `--input NAME:DTYPE:DIMS` specs: models with several or non-float inputs; the batch sizes
  // replace the batch dims (input_spec.h's batch_symbol: those named `batch`, else the first
  // input's dim 0 when dynamic).
  std::vector<InputSpec> inputs;
  uint64_t seed = 0;
  bool sgemm = true;
  bool progress = true;  // one line per stage on stderr

  // kiln::OptionError for a value bench_models cannot use.
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchOptions, models, runs, warmup, block, settle_ms, batches,
                                   threads, ort_opt, provider, config, objective, dataset,
                                   accuracy_samples, input_shape, inputs, seed, sgemm)

// Validates every option before opening any model.
BenchResult bench_models(const BenchOptions& options);

}  // namespace kiln
