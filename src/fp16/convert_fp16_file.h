#pragma once
// `kiln convert-fp16` as a library call: measure (with calibration data) what FP16 would do to
// every tensor, keep FP32 the nodes it would break, convert the rest, then check the FP16 model
// against the FP32 one in ONNX Runtime (error, top-1 agreement, no new NaN/Inf, test accuracy
// with a dataset) and only then write it, atomically, with its report.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "fp16/convert_fp16_result.h"
#include "runtime/input_spec.h"

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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ConvertFp16Options, input, output, report, keep_io_types,
                                   block_ops, block_nodes, allow_unsafe_ops, calibrate, inputs,
                                   calib_samples, eval_samples, threads)

// Throws kiln::Error (one line) for an unreadable model, bad calibration data, or an FP16 model
// that produces NaN/Inf where the FP32 model does not; nothing is written then.
ConvertFp16Result convert_fp16_file(const ConvertFp16Options& options);

std::string format_fp16_report(const ConvertFp16Result& report);

}  // namespace kiln
