#pragma once
// `kiln optimize` as a library call: load, run the passes, verify against the original in ONNX
// Runtime, write the model (atomically) and the report. Nothing is written when verification fails.
#include <filesystem>
#include <optional>
#include <string>

#include "common/json_record.h"
#include "optimize/optimize_result.h"
#include "optimize/optimizer.h"
#include "optimize/verify.h"

namespace kiln {

struct OptimizeFileOptions {
  std::filesystem::path input, output;
  std::optional<std::filesystem::path> report;  // JSON report
  OptimizeOptions optimize;
  bool verify = true;
  VerifyOptions verify_options;

  // kiln::OptionError (naming fields) for a value optimize_file cannot use; kiln::UsageError for
  // an unknown pass name.
  void validate() const;
};

// The options that decide the result (for the pipeline's stage key); after_pass is code, not data.
void to_json(nlohmann::json& j, const OptimizeFileOptions& o);

// Returns the report. Throws kiln::Error (one line) for an unreadable model, a model ONNX Runtime
// cannot run, or outputs that moved beyond verify_options.rtol.
OptimizeFileResult optimize_file(const OptimizeFileOptions& options);

// The report as a per-pass table plus model and verification lines (Markdown or plain text).
std::string format_optimize_report(const OptimizeFileResult& report, bool markdown);

}  // namespace kiln
