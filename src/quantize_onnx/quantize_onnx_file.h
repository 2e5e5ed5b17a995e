#pragma once
// `kiln quantize-onnx` as a library call: load the float model, calibrate, quantize, measure the
// quantized model against the float one (calibration batches, test split, per-layer
// sensitivity), and only then write it (atomically) with its report.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "quantize_onnx/quantize_onnx_result.h"
#include "quantize_onnx/range_collector.h"

namespace kiln {

enum class QuantizeMode { Static, Dynamic };
enum class QuantFormat { Qdq, QOperator };
QuantizeMode parse_quantize_mode(const std::string& text);  // kiln::UsageError for others
QuantFormat parse_quant_format(const std::string& text);
std::string to_string(QuantizeMode mode);
std::string to_string(QuantFormat format);

struct QuantizeOnnxOptions {
  std::filesystem::path input, output;
  std::optional<std::filesystem::path> report;  // JSON
  QuantizeMode mode = QuantizeMode::Static;
  QuantFormat format = QuantFormat::Qdq;
  std::string calibrate;  // dataset name or folder of .pb (static mode)
  int64_t calib_samples = 512;
  int64_t calib_batch = 64;
  CalibrationOptions calibration;
  bool per_channel = true;  // Conv weights per output channel
  std::vector<std::string> exclude;
  bool pad_channels = true;  // pad low-channel Conv inputs to 4 channels (quant_plan.h)
  bool sensitivity = true;   // per-layer report (static mode)
  int64_t eval_samples = 0;  // test-split samples for accuracy (0: the whole split)
  int threads = 0;           // ONNX Runtime intra-op threads (0: its default)
  bool preoptimize = true;   // kiln's default verified passes first (BN folding: preoptimize.h)
  // Static mode: keep float the fewest nodes that hold the top-1 drop within this many
  // percentage points on a held-out slice (accuracy_budget.h); unset: quantize the whole plan.
  std::optional<double> accuracy_budget_pp;
  int64_t holdout_samples = 2000;  // the training split's last N, never calibrated on

  // kiln::OptionError (naming fields) for values or combinations quantize_onnx_file cannot use.
  void validate() const;
};

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

// Returns the report. Throws kiln::Error (one line) for an unreadable model, bad calibration data
// or a model the quantizer cannot handle; nothing is written then.
QuantizeOnnxResult quantize_onnx_file(const QuantizeOnnxOptions& options);

// The report as text (or Markdown): summary lines, per-layer sensitivity, accuracy.
std::string format_quantize_report(const QuantizeOnnxResult& report, bool markdown);

}  // namespace kiln
