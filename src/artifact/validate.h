#pragma once
// `kiln validate ARTIFACT`: every check a pipeline gates on, each reported as passed or failed
// with one line naming the check and the numbers. Reads only ONNX and tensor files from the
// artifact (never code); a reference model given by the user may be TorchScript (trusted input).
#include <filesystem>
#include <optional>
#include <string>

#include "artifact/validate_result.h"
#include "common/json_record.h"

namespace kiln {

struct ValidateOptions {
  std::filesystem::path artifact;
  std::filesystem::path reference;          // optional: re-check equivalence against it
  std::optional<double> max_mae;            // default: the bound in metadata.yaml
  std::optional<double> max_accuracy_drop;  // percentage points
  std::optional<double>
      max_latency_ratio;  // artifact p50 / reference p50, same run (needs --reference)
  bool measure_latency = true;
  std::filesystem::path junit;  // optional JUnit XML report

  // kiln::OptionError for a value validate_artifact cannot use.
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ValidateOptions, artifact, reference, max_mae, max_accuracy_drop,
                                   max_latency_ratio, measure_latency, junit)

ValidateResult validate_artifact(const ValidateOptions& options);
std::string validate_report_text(const ValidateResult& report);
std::string validate_junit_xml(const ValidateResult& report);

}  // namespace kiln
