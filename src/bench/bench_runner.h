#pragma once
// The measurement itself, engine-neutral: models already opened as BenchTargets are timed on the
// same inputs with the interleaved schedule, then (optionally) scored on a dataset. The result is
// the report's data (JSON); bench_report.h renders it.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_result.h"
#include "bench/bench_target.h"
#include "bench/timed_runs.h"
#include "data/dataset.h"
#include "runtime/input_spec.h"

namespace kiln {

struct BenchModel {
  std::string name;  // as shown in tables (the file name)
  std::filesystem::path path;
  uint64_t size_bytes = 0;
  std::optional<double> flops_per_sample;  // known for ONNX models (bench/flops.h)
  std::unique_ptr<BenchTarget> target;
};

struct BenchSettings {
  int runs = 100, warmup = 10;
  std::vector<int64_t> batches{1, 64};
  int block = 1;  // consecutive runs of one model before switching (1: A, B, A, B …)
  // At each switch to another model's timed runs: a pause when the previous model's engine spins
  // after a run, so its threads do not take the cores from the next model, then untimed runs of
  // the next model for `rewarm_ms` (at least one). settle_ms 0: neither (bench/timed_runs.h).
  int settle_ms = kSettleMs;
  double rewarm_ms = kRewarmMs;
  uint64_t seed = 0;             // random normal inputs, the same for every model
  int64_t accuracy_samples = 0;  // ≤ 0: the whole test split
  int64_t accuracy_batch = 256;
  // `--input` specs (several inputs, int tokens): each batch size replaces the batch dims
  // (input_spec.h's batch_symbol); empty: one float32 input of the given shape.
  std::vector<InputSpec> inputs;
  // Called after each batch size is measured ("batch 64 done") — progress for long runs.
  std::function<void(const std::string&)> progress;
};

// `shape` is the input shape with any batch value in dimension 0 (it is replaced per batch).
// `test` (may be null) adds accuracy and Δ accuracy against the first model.
// The models, one row per model and batch, and the noise warnings (see docs/bench.md).
BenchMeasurement run_bench(std::vector<BenchModel>& models, const Shape& shape,
                           const BenchSettings& settings, const Dataset* test);

// The input shape to benchmark: `--input-shape` when given, else the first declared model input
// with symbolic dimension 0 as the batch. kiln::UsageError when neither is known.
Shape resolve_input_shape(const std::vector<BenchModel>& models, const std::string& given);

// A seeded random normal float32 input of `shape`.
HostTensor bench_input(const Shape& shape, uint64_t seed);

}  // namespace kiln
