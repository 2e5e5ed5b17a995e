#pragma once
// kiln's public API (docs/library.md): `kiln validate ARTIFACT` — every check a pipeline gates
// on, each reported as passed or failed with one line naming the check and the numbers. Reads
// only ONNX and tensor files from the artifact (never code); a reference model given by the user
// may be TorchScript (trusted input; needs kiln::kiln, the library with LibTorch). In kiln::core.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

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

// One check by name, passed or failed with one line of detail.
struct CheckRecord {
  std::string check;
  bool passed = false;
  std::string detail;
};

// What `kiln validate` found; written as validate.json (and JUnit XML); the pipeline and CI read
// this struct.
struct ValidateResult {
  int schema_version = 1;
  std::vector<CheckRecord> checks;
  std::vector<std::string> failures;  // "check: detail" of each failed check
  bool passed = false;

  // The named check, or null when it did not run.
  const CheckRecord* find(const std::string& name) const {
    for (const auto& c : checks)
      if (c.check == name) return &c;
    return nullptr;
  }
};

// Runs every check; a failed check is a result, not an exception. Throws kiln::OptionError for
// unusable options and kiln::Error when the artifact cannot be read at all.
ValidateResult validate_artifact(const ValidateOptions& options);
std::string validate_report_text(const ValidateResult& report);
std::string validate_junit_xml(const ValidateResult& report);

}  // namespace kiln
