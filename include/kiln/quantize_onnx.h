#pragma once
// kiln's public API (docs/library.md): `kiln quantize-onnx` as a library call — load the float
// model, calibrate, quantize, measure the quantized model against the float one (calibration
// batches, test split, per-layer sensitivity), and only then write it (atomically) with its
// report. In kiln::core (no LibTorch).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <kiln/compare.h>
#include <kiln/optimize.h>

namespace kiln {

// How an activation's quantization range is chosen from what calibration saw: minmax (nothing
// clipped), percentile (|x| clipped at a percentile), entropy (the least KL divergence);
// docs/quantization.md.
enum class CalibrationMethod { MinMax, Percentile, Entropy };

// "minmax|percentile|entropy"; kiln::UsageError for other words.
CalibrationMethod parse_calibration_method(const std::string& text);
std::string to_string(CalibrationMethod method);

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::MinMax;
  double percentile = 99.999;  // for CalibrationMethod::Percentile
  int bins = 2048;             // histogram bins (percentile, entropy)
  int threads = 0;             // ONNX Runtime intra-op threads (0: its default)
};

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

struct CalibrationRecord {
  std::string source;
  int64_t samples = 0;
  int64_t batches = 0;
  std::string method;
  std::optional<double> percentile;
};

struct QuantNodeRecord {
  std::string node, op;
  bool quantized = false;
  std::string weights;                       // "int8 per channel" / "int8 per tensor"
  std::optional<std::string> float_because;  // "--exclude" or the --accuracy-budget's reason
  // A quantized Conv whose input is padded along the channel axis (quant_plan.h): from, to.
  std::optional<int64_t> input_channels, padded_channels;
};

struct IntegerOpRecord {
  std::string node, op;
};

struct QuantSummaryRecord {
  int quantized_nodes = 0, qdq_pairs = 0, int8_weights = 0, int32_biases = 0;
  // Add / Mul / GlobalAveragePool / AveragePool / Sigmoid between quantized tensors, run as QLinear
  // ops (quant_plan.h); absent from reports before schema 3 and in dynamic mode.
  std::optional<std::vector<IntegerOpRecord>> integer_ops;
};

struct QOperatorRecord {
  int qlinear_conv = 0, qlinear_matmul = 0, integer_data_movement = 0;
};

struct ActivationRecord {
  std::string tensor;
  double scale = 0;
  int64_t zero_point = 0;
  std::optional<std::string> shares_with;  // parameters shared with this tensor's
  std::optional<double> min, max;          // calibrated range (own parameters)
};

struct SensitivityRecord {
  std::string node, op;
  double relative_l2 = 0, max_abs_error = 0, top1_agreement = 1;
};

struct TestSplitRecord {
  std::string dataset, split;
  int64_t samples = 0;
  double fp32_top1 = 0, int8_top1 = 0;
  double drop_pp = 0;  // fp32 − int8, percentage points
  ErrorStats error;
};

struct ByteSizes {
  int64_t before = 0, after = 0;
};

// What pre-optimization did before quantizing (quantize-onnx without --no-preoptimize).
struct PreoptimizeRecord {
  bool applied = false;           // the quantizer saw the rewritten model
  std::vector<PassTotal> passes;  // passes that rewrote the model, with their rewrite counts
  int64_t nodes_before = 0, nodes_after = 0;
  double rtol = 0;                             // verification bound (max relative output change)
  std::optional<double> max_rel;               // measured, when the rewritten model was verified
  std::optional<std::string> skipped_because;  // why the model was quantized as given
};

// A float op reading an INT8 node's output: ONNX Runtime dequantizes for it and re-quantizes after,
// so the INT8 node's output cannot stay in an integer kernel chain.
struct FloatGapRecord {
  std::string node, op;           // the quantized node
  std::string reader, reader_op;  // the float op after it
  std::string why;
};

// One plan tried by --accuracy-budget.
struct BudgetTrialRecord {
  std::vector<std::string> kept_float;  // beyond --exclude
  double drop_pp = 0;
  bool within = false;
  std::optional<double> p50_ms;  // batch-1 latency, for the plans within the budget that were timed
};

struct KeptFloatRecord {
  std::string node, why;
};

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

// Returns the report. Throws kiln::Error (one line) for an unreadable model, bad calibration data
// or a model the quantizer cannot handle; nothing is written then.
QuantizeOnnxResult quantize_onnx_file(const QuantizeOnnxOptions& options);

// The report as text (or Markdown): summary lines, per-layer sensitivity, accuracy.
std::string format_quantize_report(const QuantizeOnnxResult& report, bool markdown);

}  // namespace kiln
