#pragma once
// What `kiln quantize-onnx` did (QuantizeOnnxResult and its records: the public
// kiln/quantize_onnx.h) and its JSON form, the quantize report; the pipeline reads the struct.
#include "common/json_record.h"
#include "compare/compare_result.h"
#include "kiln/quantize_onnx.h"
#include "optimize/optimize_result.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CalibrationRecord, source, samples, batches, method, percentile)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantNodeRecord, node, op, quantized, weights, float_because,
                                   input_channels, padded_channels)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(IntegerOpRecord, node, op)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantSummaryRecord, quantized_nodes, qdq_pairs, int8_weights,
                                   int32_biases, integer_ops)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QOperatorRecord, qlinear_conv, qlinear_matmul,
                                   integer_data_movement)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ActivationRecord, tensor, scale, zero_point, shares_with, min,
                                   max)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SensitivityRecord, node, op, relative_l2, max_abs_error,
                                   top1_agreement)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TestSplitRecord, dataset, split, samples, fp32_top1, int8_top1,
                                   drop_pp, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ByteSizes, before, after)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PreoptimizeRecord, applied, passes, nodes_before, nodes_after,
                                   rtol, max_rel, skipped_because)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FloatGapRecord, node, op, reader, reader_op, why)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BudgetTrialRecord, kept_float, drop_pp, within, p50_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeptFloatRecord, node, why)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BudgetRecord, budget_pp, metric, measured_on, samples, trials,
                                   kept_float, drop_pp, chosen_by, test_drop_pp, within_on_test)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantizeOnnxResult, schema_version, input, output, mode, format,
                                   excluded, preoptimize, summary, calibration, per_channel,
                                   channel_padding, nodes, qoperator, activations,
                                   calibration_error, sensitivity, float_gaps, budget,
                                   quantized_nodes, left_float, test, bytes)

}  // namespace kiln
