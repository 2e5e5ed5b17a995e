#pragma once
// What `kiln bench` measured (BenchResult, BenchMeasurement and their records: the public
// kiln/bench.h) and their JSON form, the bench JSON report; the pipeline, precision, pack's
// same-run latency and --tune read the structs, never the JSON.
#include "bench/accuracy.h"
#include "bench/latency_stats.h"
#include "common/json_record.h"
#include "kiln/bench.h"
#include "runtime/input_spec.h"

namespace kiln {

void to_json(nlohmann::json& j, const LatencyStats& s);
void from_json(const nlohmann::json& j, LatencyStats& s);
void to_json(nlohmann::json& j, const Accuracy& a);
void from_json(const nlohmann::json& j, Accuracy& a);

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SgemmRate, how, n, reps, gflops, gflops_median)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchModelRecord, name, path, engine, size_bytes,
                                   flops_per_sample, accuracy, delta_accuracy_pp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchRow, model, batch, latency, throughput_calls_per_s,
                                   throughput_samples_per_s, gflops_p50)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchMeasurement, models, results, warnings)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OrtSettingsRecord, provider, optimization, intra_op_threads,
                                   allow_spinning, from_config)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TorchSettingsRecord, intra_op_threads, mode)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchSettingsRecord, runs, warmup, batches, schedule,
                                   input_shape, inputs, input, dataset, ort, libtorch)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchResult, kiln_bench, settings, models, results, warnings,
                                   sgemm, machine, notes)

}  // namespace kiln
