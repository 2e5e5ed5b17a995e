#pragma once
// `kiln optimize` as a library call: load, run the passes, verify against the original in ONNX
// Runtime, write the model (atomically) and the report. Nothing is written when verification fails.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "optimize/optimizer.h"
#include "optimize/verify.h"

namespace kiln {

struct OptimizeFileOptions {
  std::filesystem::path input, output;
  std::optional<std::filesystem::path> report;  // JSON report
  OptimizeOptions optimize;
  bool verify = true;
  VerifyOptions verify_options;
};

// Returns the report. Throws kiln::Error (one line) for an unreadable model, a model ONNX Runtime
// cannot run, or outputs that moved beyond verify_options.rtol.
nlohmann::json optimize_file(const OptimizeFileOptions& options);

// The report as a per-pass table plus model and verification lines (Markdown or plain text).
std::string format_optimize_report(const nlohmann::json& report, bool markdown);

}  // namespace kiln
