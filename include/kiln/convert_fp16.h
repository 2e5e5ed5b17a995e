#pragma once
// kiln's public API (docs/library.md): `kiln convert-fp16` as a library call — measure (with
// calibration data) what FP16 would do to every tensor, keep FP32 the nodes it would break,
// convert the rest, then check the FP16 model against the FP32 one in ONNX Runtime (error, top-1
// agreement, no new NaN/Inf, test accuracy with a dataset) and only then write it, atomically,
// with its report. In kiln::core (no LibTorch).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <kiln/compare.h>
#include <kiln/input_spec.h>
#include <kiln/quantize_onnx.h>

namespace kiln {

struct ConvertFp16Options {
  std::filesystem::path input, output;
  std::optional<std::filesystem::path> report;  // JSON
  bool keep_io_types = false;  // float32 inputs/outputs with Casts inside the model
  std::vector<std::string> block_ops, block_nodes;
  bool allow_unsafe_ops = false;
  std::string calibrate;  // dataset name or folder of batches (.npz/.pb); empty: no measured ranges
  // Without calibrate: the `--input` specs random inputs are drawn from (their dtypes and value
  // ranges, at the example and second sizes); empty: values in (-1, 1) at batch 1 and 3.
  std::vector<InputSpec> inputs;
  int64_t calib_samples = 512;
  int64_t eval_samples = 0;  // test-split samples for the accuracy check (0: the whole split)
  int threads = 0;           // ONNX Runtime intra-op threads (0: its default)

  // kiln::OptionError (naming fields) for a value convert_fp16_file cannot use.
  void validate() const;
};
struct BlockedNodeRecord {
  std::string node, op, why;
};

struct Fp16AccuracyRecord {
  std::string dataset;
  int64_t samples = 0;
  double fp32_top1 = 0, fp16_top1 = 0;
  double drop_pp = 0;  // fp32 − fp16, percentage points
};

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

// Throws kiln::Error (one line) for an unreadable model, bad calibration data, or an FP16 model
// that produces NaN/Inf where the FP32 model does not; nothing is written then.
ConvertFp16Result convert_fp16_file(const ConvertFp16Options& options);

std::string format_fp16_report(const ConvertFp16Result& report);

}  // namespace kiln
