#pragma once
// `kiln quantize-onnx` as a library call (QuantizeOnnxOptions, quantize_onnx_file,
// format_quantize_report: the public kiln/quantize_onnx.h) and the options' JSON form.
#include "common/json_record.h"
#include "kiln/quantize_onnx.h"
#include "quantize_onnx/quantize_onnx_result.h"
#include "quantize_onnx/range_collector.h"

namespace kiln {

NLOHMANN_JSON_SERIALIZE_ENUM(QuantizeMode,
                             {{QuantizeMode::Static, "static"}, {QuantizeMode::Dynamic, "dynamic"}})
NLOHMANN_JSON_SERIALIZE_ENUM(QuantFormat,
                             {{QuantFormat::Qdq, "qdq"}, {QuantFormat::QOperator, "qoperator"}})
NLOHMANN_JSON_SERIALIZE_ENUM(CalibrationMethod, {{CalibrationMethod::MinMax, "minmax"},
                                                 {CalibrationMethod::Percentile, "percentile"},
                                                 {CalibrationMethod::Entropy, "entropy"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CalibrationOptions, method, percentile, bins, threads)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantizeOnnxOptions, input, output, report, mode, format,
                                   calibrate, calib_samples, calib_batch, calibration, per_channel,
                                   exclude, pad_channels, sensitivity, eval_samples, threads,
                                   preoptimize, accuracy_budget_pp, holdout_samples)

}  // namespace kiln
