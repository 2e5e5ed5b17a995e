#pragma once
// What `kiln bench` measured: run_bench's measurement (models, per-batch latency rows, noise
// warnings) and the command's whole result (settings, sgemm rate, machine facts, notes). Written
// as the bench JSON report; the pipeline, precision, pack's same-run latency and --tune read
// these structs, never the JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/accuracy.h"
#include "bench/latency_stats.h"
#include "common/json_record.h"
#include "runtime/input_spec.h"

namespace kiln {

void to_json(nlohmann::json& j, const LatencyStats& s);
void from_json(const nlohmann::json& j, LatencyStats& s);
void to_json(nlohmann::json& j, const Accuracy& a);
void from_json(const nlohmann::json& j, Accuracy& a);

struct SgemmRate {
  std::string how;
  int n = 0, reps = 0;
  double gflops = 0, gflops_median = 0;  // best and median
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SgemmRate, how, n, reps, gflops, gflops_median)

struct BenchModelRecord {
  std::string name;  // as shown in tables (the file name)
  std::string path, engine;
  uint64_t size_bytes = 0;
  std::optional<double> flops_per_sample;
  std::optional<Accuracy> accuracy;
  std::optional<double> delta_accuracy_pp;  // against the first model
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchModelRecord, name, path, engine, size_bytes,
                                   flops_per_sample, accuracy, delta_accuracy_pp)

// One model at one batch size.
struct BenchRow {
  int model = 0;  // index into models
  int64_t batch = 0;
  LatencyStats latency;
  double throughput_calls_per_s = 0, throughput_samples_per_s = 0;
  std::optional<double> gflops_p50;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchRow, model, batch, latency, throughput_calls_per_s,
                                   throughput_samples_per_s, gflops_p50)

// run_bench's result.
struct BenchMeasurement {
  std::vector<BenchModelRecord> models;
  std::vector<BenchRow> results;
  std::vector<std::string> warnings;

  // The row of model `model` at `batch`; kiln::Error when it was not measured.
  const BenchRow& row(int model, int64_t batch) const;
  const BenchModelRecord& model_of(const BenchRow& row) const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchMeasurement, models, results, warnings)

struct OrtSettingsRecord {
  std::string provider, optimization;
  std::string intra_op_threads;  // a number, or "default (one per core as ONNX Runtime counts…)"
  bool allow_spinning = true;
  std::optional<std::string> from_config;  // best.json of --tune and its objective
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OrtSettingsRecord, provider, optimization, intra_op_threads,
                                   allow_spinning, from_config)

struct TorchSettingsRecord {
  int intra_op_threads = 0;
  std::string mode;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TorchSettingsRecord, intra_op_threads, mode)

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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchSettingsRecord, runs, warmup, batches, schedule,
                                   input_shape, inputs, input, dataset, ort, libtorch)

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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchResult, kiln_bench, settings, models, results, warnings,
                                   sgemm, machine, notes)

}  // namespace kiln
