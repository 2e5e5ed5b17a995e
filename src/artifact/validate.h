#pragma once
// `kiln validate ARTIFACT`: every check a pipeline gates on, each reported as passed or failed
// with one line naming the check and the numbers. Reads only ONNX and tensor files from the
// artifact (never code); a reference model given by the user may be TorchScript (trusted input).
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kiln {

struct ValidateOptions {
  std::filesystem::path artifact;
  std::filesystem::path reference;                // optional: re-check equivalence against it
  std::optional<double> max_mae;                  // default: the bound in metadata.yaml
  std::optional<double> max_accuracy_drop;        // percentage points
  std::optional<double> max_latency_ratio;        // artifact p50 / reference p50, same run (needs --reference)
  bool measure_latency = true;
  std::filesystem::path junit;                    // optional JUnit XML report
};

// {"checks": [{"check", "passed", "detail"}...], "failures": [...], "passed": bool}
nlohmann::json validate_artifact(const ValidateOptions& options);
std::string validate_report_text(const nlohmann::json& report);
std::string validate_junit_xml(const nlohmann::json& report);

}  // namespace kiln
