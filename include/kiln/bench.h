#pragma once
// kiln's public API (docs/library.md): `kiln bench` as a library call — opens each model with its
// engine (.onnx → ONNX Runtime, TorchScript → LibTorch, by content), measures them interleaved,
// scores them on a dataset and returns the whole report (settings, machine facts, an sgemm rate
// measured in the same run). bench_models is in kiln::kiln (it may open a TorchScript model);
// this header names no LibTorch type.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <kiln/input_spec.h>

namespace kiln {

// The pause at a switch to another model after an engine that spins, in every timed loop (kiln
// bench, --tune, pack/validate, --accuracy-budget): ONNX Runtime's workers spin ~20–25 ms after a
// run here (bench/RESULTS.md, session 10).
inline constexpr int kSettleMs = 50;

// Latency statistics from per-run samples (milliseconds, monotonic clock).
struct LatencyStats {
  int runs = 0;
  double p50 = 0, p90 = 0, p99 = 0, mean = 0, min = 0, max = 0;
  double stddev = 0;  // sample standard deviation (n − 1)
  double cv = 0;      // stddev / mean: how noisy the machine was for this model

  nlohmann::json to_json() const;
  static LatencyStats from_json(const nlohmann::json& j);
};

struct Accuracy {
  int64_t samples = 0, correct = 0;
  double value() const {
    return samples ? static_cast<double>(correct) / static_cast<double>(samples) : 0.0;
  }
  nlohmann::json to_json() const;
};

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
struct SgemmRate {
  std::string how;
  int n = 0, reps = 0;
  double gflops = 0, gflops_median = 0;  // best and median
};

struct BenchModelRecord {
  std::string name;  // as shown in tables (the file name)
  std::string path, engine;
  uint64_t size_bytes = 0;
  std::optional<double> flops_per_sample;
  std::optional<Accuracy> accuracy;
  std::optional<double> delta_accuracy_pp;  // against the first model
};

// One model at one batch size.
struct BenchRow {
  int model = 0;  // index into models
  int64_t batch = 0;
  LatencyStats latency;
  double throughput_calls_per_s = 0, throughput_samples_per_s = 0;
  std::optional<double> gflops_p50;
};

// run_bench's result.
struct BenchMeasurement {
  std::vector<BenchModelRecord> models;
  std::vector<BenchRow> results;
  std::vector<std::string> warnings;

  // The row of model `model` at `batch`; kiln::Error when it was not measured.
  const BenchRow& row(int model, int64_t batch) const;
  const BenchModelRecord& model_of(const BenchRow& row) const;
};

struct OrtSettingsRecord {
  std::string provider, optimization;
  std::string intra_op_threads;  // a number, or "default (one per core as ONNX Runtime counts…)"
  bool allow_spinning = true;
  std::optional<std::string> from_config;  // best.json of --tune and its objective
};

struct TorchSettingsRecord {
  int intra_op_threads = 0;
  std::string mode;
};

struct BenchSettingsRecord {
  int runs = 0, warmup = 0;
  std::vector<int64_t> batches;
  std::string schedule;
  std::optional<std::vector<int64_t>> input_shape;  // one float input
  std::vector<InputSpec> inputs;                    // `--input` specs
  std::string input;                                // in words
  std::string dataset;
  std::optional<OrtSettingsRecord> ort;
  std::optional<TorchSettingsRecord> libtorch;
};

struct BenchResult {
  int kiln_bench = 2;  // schema version
  BenchSettingsRecord settings;
  std::vector<BenchModelRecord> models;
  std::vector<BenchRow> results;
  std::vector<std::string> warnings;
  std::optional<SgemmRate> sgemm;  // measured after the models, so it cannot disturb them
  // The machine's facts as `kiln doctor` reports them: printed, never read back by key.
  nlohmann::json machine;
  std::vector<std::string> notes;

  BenchMeasurement measurement() const { return {models, results, warnings}; }
};

// Validates every option before opening any model.
BenchResult bench_models(const BenchOptions& options);

}  // namespace kiln
