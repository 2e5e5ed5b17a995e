#pragma once
// What `kiln convert-fp16` did: which nodes run in FP16, which stayed FP32 and why, the Casts at
// the boundaries, and how far the FP16 model's outputs are from the FP32 model's.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "compare/compare_result.h"
#include "quantize_onnx/quantize_onnx_result.h"

namespace kiln {

struct BlockedNodeRecord {
  std::string node, op, why;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BlockedNodeRecord, node, op, why)

struct Fp16AccuracyRecord {
  std::string dataset;
  int64_t samples = 0;
  double fp32_top1 = 0, fp16_top1 = 0;
  double drop_pp = 0;  // fp32 − fp16, percentage points
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Fp16AccuracyRecord, dataset, samples, fp32_top1, fp16_top1,
                                   drop_pp)

struct ConvertFp16Result {
  int schema_version = 1;
  std::string input, output;
  bool keep_io_types = false;
  std::optional<std::string> calibration;  // source of the measured ranges
  int64_t calibration_samples = 0;
  int fp16_nodes = 0, fp32_nodes = 0;
  std::vector<BlockedNodeRecord> blocked;  // every node kept FP32, with the reason
  int casts_inserted = 0;
  int initializers_converted = 0;
  ByteSizes bytes;
  std::string verified_on;     // the inputs the ranges were measured and the FP16 model checked on
  ErrorStats error;            // FP16 vs FP32 on those inputs
  int64_t new_non_finite = 0;  // NaN/Inf in FP16 outputs where FP32 had a finite value
  std::optional<Fp16AccuracyRecord> test;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ConvertFp16Result, schema_version, input, output, keep_io_types,
                                   calibration, calibration_samples, fp16_nodes, fp32_nodes,
                                   blocked, casts_inserted, initializers_converted, bytes,
                                   verified_on, error, new_non_finite, test)

}  // namespace kiln
