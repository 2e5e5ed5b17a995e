#pragma once
// What `kiln quantize-onnx` did: the plan (which nodes became INT8, which stayed float and why),
// calibration, per-layer sensitivity, and the quantized model's error and accuracy against the
// float model. Written as the quantize report JSON; the pipeline reads this struct.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "compare/compare_result.h"

namespace kiln {

struct CalibrationRecord {
  std::string source;
  int64_t samples = 0;
  int64_t batches = 0;
  std::string method;
  std::optional<double> percentile;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CalibrationRecord, source, samples, batches, method, percentile)

struct QuantNodeRecord {
  std::string node, op;
  bool quantized = false;
  std::string weights;                       // "int8 per channel" / "int8 per tensor"
  std::optional<std::string> float_because;  // "--exclude" or the speed rule that kept it float
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantNodeRecord, node, op, quantized, weights, float_because)

struct QuantSummaryRecord {
  int quantized_nodes = 0, qdq_pairs = 0, int8_weights = 0, int32_biases = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantSummaryRecord, quantized_nodes, qdq_pairs, int8_weights,
                                   int32_biases)

struct QOperatorRecord {
  int qlinear_conv = 0, qlinear_matmul = 0, integer_data_movement = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QOperatorRecord, qlinear_conv, qlinear_matmul,
                                   integer_data_movement)

struct ActivationRecord {
  std::string tensor;
  double scale = 0;
  int64_t zero_point = 0;
  std::optional<std::string> shares_with;  // parameters shared with this tensor's
  std::optional<double> min, max;          // calibrated range (own parameters)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ActivationRecord, tensor, scale, zero_point, shares_with, min,
                                   max)

struct SensitivityRecord {
  std::string node, op;
  double relative_l2 = 0, max_abs_error = 0, top1_agreement = 1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SensitivityRecord, node, op, relative_l2, max_abs_error,
                                   top1_agreement)

struct TestSplitRecord {
  std::string dataset, split;
  int64_t samples = 0;
  double fp32_top1 = 0, int8_top1 = 0;
  double drop_pp = 0;  // fp32 − int8, percentage points
  ErrorStats error;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TestSplitRecord, dataset, split, samples, fp32_top1, int8_top1,
                                   drop_pp, error)

struct ByteSizes {
  int64_t before = 0, after = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ByteSizes, before, after)

struct QuantizeOnnxResult {
  int schema_version = 1;
  std::string input, output, mode, format;
  std::vector<std::string> excluded;
  QuantSummaryRecord summary;
  // static mode
  std::optional<CalibrationRecord> calibration;
  std::optional<bool> per_channel, speed_rules;
  std::vector<QuantNodeRecord> nodes;
  std::optional<QOperatorRecord> qoperator;
  std::vector<ActivationRecord> activations;
  std::optional<ErrorStats> calibration_error;
  std::vector<SensitivityRecord> sensitivity;
  // dynamic mode
  std::vector<std::string> quantized_nodes, left_float;
  // with a dataset
  std::optional<TestSplitRecord> test;
  ByteSizes bytes;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantizeOnnxResult, schema_version, input, output, mode, format,
                                   excluded, summary, calibration, per_channel, speed_rules, nodes,
                                   qoperator, activations, calibration_error, sensitivity,
                                   quantized_nodes, left_float, test, bytes)

}  // namespace kiln
