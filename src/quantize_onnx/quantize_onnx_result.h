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
#include "optimize/optimize_result.h"

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
  std::optional<std::string> float_because;  // "--exclude" or the --accuracy-budget's reason
  // A quantized Conv whose input is padded along the channel axis (quant_plan.h): from, to.
  std::optional<int64_t> input_channels, padded_channels;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantNodeRecord, node, op, quantized, weights, float_because,
                                   input_channels, padded_channels)

struct IntegerOpRecord {
  std::string node, op;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(IntegerOpRecord, node, op)

struct QuantSummaryRecord {
  int quantized_nodes = 0, qdq_pairs = 0, int8_weights = 0, int32_biases = 0;
  // Add / Mul / GlobalAveragePool / AveragePool / Sigmoid between quantized tensors, run as QLinear
  // ops (quant_plan.h); absent from reports before schema 3 and in dynamic mode.
  std::optional<std::vector<IntegerOpRecord>> integer_ops;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantSummaryRecord, quantized_nodes, qdq_pairs, int8_weights,
                                   int32_biases, integer_ops)

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

// What pre-optimization did before quantizing (quantize-onnx without --no-preoptimize).
struct PreoptimizeRecord {
  bool applied = false;          // the quantizer saw the rewritten model
  std::vector<PassTotal> passes;  // passes that rewrote the model, with their rewrite counts
  int64_t nodes_before = 0, nodes_after = 0;
  double rtol = 0;                           // verification bound (max relative output change)
  std::optional<double> max_rel;             // measured, when the rewritten model was verified
  std::optional<std::string> skipped_because;  // why the model was quantized as given
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PreoptimizeRecord, applied, passes, nodes_before, nodes_after,
                                   rtol, max_rel, skipped_because)

// A float op reading an INT8 node's output: ONNX Runtime dequantizes for it and re-quantizes after,
// so the INT8 node's output cannot stay in an integer kernel chain.
struct FloatGapRecord {
  std::string node, op;          // the quantized node
  std::string reader, reader_op;  // the float op after it
  std::string why;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FloatGapRecord, node, op, reader, reader_op, why)

// One plan tried by --accuracy-budget.
struct BudgetTrialRecord {
  std::vector<std::string> kept_float;  // beyond --exclude
  double drop_pp = 0;
  bool within = false;
  std::optional<double> p50_ms;  // batch-1 latency, for the plans within the budget that were timed
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BudgetTrialRecord, kept_float, drop_pp, within, p50_ms)

struct KeptFloatRecord {
  std::string node, why;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeptFloatRecord, node, why)

// --accuracy-budget: which nodes stay float so the accuracy drop stays within the budget.
struct BudgetRecord {
  double budget_pp = 0;
  std::string metric;       // "top-1 accuracy drop" (dataset) or "top-1 disagreement with FP32"
  std::string measured_on;  // the held-out slice, never the calibration samples
  int64_t samples = 0;
  std::vector<BudgetTrialRecord> trials;  // in the order they ran
  std::vector<KeptFloatRecord> kept_float;
  double drop_pp = 0;  // of the chosen plan, on measured_on
  // How the plan was chosen among those within the budget: the only one, or timed (the fastest
  // at batch 1, the fewest float nodes unless another was clearly faster). Absent from reports
  // of kiln versions before the timing.
  std::optional<std::string> chosen_by;
  // On the test split (with a dataset): the chosen plan's drop and whether it holds there too.
  std::optional<double> test_drop_pp;
  std::optional<bool> within_on_test;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BudgetRecord, budget_pp, metric, measured_on, samples, trials,
                                   kept_float, drop_pp, chosen_by, test_drop_pp, within_on_test)

struct QuantizeOnnxResult {
  int schema_version = 3;  // 2: preoptimize, float_gaps, budget; 3: channel padding, no speed rule
  std::string input, output, mode, format;
  std::vector<std::string> excluded;
  std::optional<PreoptimizeRecord> preoptimize;  // absent with --no-preoptimize
  QuantSummaryRecord summary;
  // static mode
  std::optional<CalibrationRecord> calibration;
  std::optional<bool> per_channel, channel_padding;
  std::vector<QuantNodeRecord> nodes;
  std::optional<QOperatorRecord> qoperator;
  std::vector<ActivationRecord> activations;
  std::optional<ErrorStats> calibration_error;
  std::vector<SensitivityRecord> sensitivity;
  std::vector<FloatGapRecord> float_gaps;
  std::optional<BudgetRecord> budget;
  // dynamic mode
  std::vector<std::string> quantized_nodes, left_float;
  // with a dataset
  std::optional<TestSplitRecord> test;
  ByteSizes bytes;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantizeOnnxResult, schema_version, input, output, mode, format,
                                   excluded, preoptimize, summary, calibration, per_channel,
                                   channel_padding, nodes, qoperator, activations,
                                   calibration_error, sensitivity, float_gaps, budget,
                                   quantized_nodes, left_float, test, bytes)

}  // namespace kiln
