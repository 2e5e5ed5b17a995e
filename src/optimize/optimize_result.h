#pragma once
// What `kiln optimize` did to a model file: every pass application in order with its rewrites
// and the output change it caused, and the final verification. Written as optimize_report.json;
// the pipeline and pack take the applied passes from here (never from the report's text).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"

namespace kiln {

struct ModelStatsRecord {
  int64_t nodes = 0, initializers = 0, bytes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModelStatsRecord, nodes, initializers, bytes)

// Errors are null when an output moved without bound (JSON has no infinity).
struct PassRunRecord {
  std::string pass;
  int iteration = 0;
  int rewrites = 0;
  ModelStatsRecord before, after;
  bool verified = false;
  std::optional<double> max_abs, max_rel;
  // First outputs of the main-graph nodes this application created or changed.
  std::vector<std::string> touched;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PassRunRecord, pass, iteration, rewrites, before, after,
                                   verified, max_abs, max_rel, touched)

struct PassTotal {
  std::string name;
  int rewrites = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PassTotal, name, rewrites)

struct OutputErrorRecord {
  std::string name;
  std::optional<double> max_abs, max_rel;
  std::optional<std::string> problem;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OutputErrorRecord, name, max_abs, max_rel, problem)

struct VerificationRecord {
  bool enabled = false;
  std::optional<double> max_abs, max_rel;
  std::vector<OutputErrorRecord> outputs;
  double rtol = 0;
  std::vector<std::string> input_sets;
  bool passed = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerificationRecord, enabled, max_abs, max_rel, outputs, rtol,
                                   input_sets, passed)

struct OptimizeFileResult {
  int schema_version = 1;
  std::string input, output;
  std::vector<std::string> passes_requested;
  bool fixed_point = false;
  int iterations = 0;
  bool converged = false;
  ModelStatsRecord before, after;
  std::vector<PassRunRecord> runs;  // every application, in order
  std::vector<PassTotal> passes;    // rewrites per requested pass
  VerificationRecord verification;

  // The passes that rewrote the model, in the order they first did: what metadata.yaml's
  // `optimization` lists.
  std::vector<std::string> applied_passes() const {
    std::vector<std::string> out;
    for (const auto& r : runs) {
      if (r.rewrites <= 0) continue;
      bool seen = false;
      for (const auto& p : out) seen = seen || p == r.pass;
      if (!seen) out.push_back(r.pass);
    }
    return out;
  }
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OptimizeFileResult, schema_version, input, output,
                                   passes_requested, fixed_point, iterations, converged, before,
                                   after, runs, passes, verification)

}  // namespace kiln
