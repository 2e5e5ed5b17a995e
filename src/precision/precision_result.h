#pragma once
// What `kiln precision` measured: one record per number format (its bench model record plus its
// difference from FP32), the timing rows, and the conclusion lines computed from them. Written as
// precision_report.json; the pipeline's report renders it through precision_markdown. No LibTorch.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_result.h"
#include "common/json_record.h"
#include "compare/compare_result.h"
#include "quantize/quantize_result.h"

namespace kiln {

struct PrecisionFormat {
  std::string format;  // "FP32", "BF16 autocast", "FP16 autocast", "INT8 dynamic"
  BenchModelRecord model;
  ErrorStats vs_fp32;
  int64_t vs_fp32_samples = 0;
  std::string device;
  std::optional<std::string> note;  // why it is fast or slow on this CPU
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PrecisionFormat, format, model, vs_fp32, vs_fp32_samples, device,
                                   note)

struct PrecisionSettings {
  int runs = 0, warmup = 0;
  std::vector<int64_t> batches;
  int threads = 0;
  std::string engine, timing;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PrecisionSettings, runs, warmup, batches, threads, engine,
                                   timing)

struct PrecisionResult {
  int schema_version = 1;
  std::string model, int8_model;
  std::optional<QuantizeResult> quantize;  // when the study quantized the model itself
  std::vector<PrecisionFormat> formats;    // index = BenchRow::model
  std::vector<BenchRow> results;
  std::vector<std::string> warnings;
  PrecisionSettings settings;
  nlohmann::json machine;  // `kiln doctor`'s CPU and thread facts: printed, never read back by key
  std::vector<std::string> conclusion;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PrecisionResult, schema_version, model, int8_model, quantize,
                                   formats, results, warnings, settings, machine, conclusion)

}  // namespace kiln
