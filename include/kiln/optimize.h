#pragma once
// kiln's public API (docs/library.md): `kiln optimize` as a library call — load, run the passes,
// verify against the original in ONNX Runtime, write the model (atomically) and the report.
// Nothing is written when verification fails. In kiln::core (no LibTorch).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;  // ONNX's protobuf model, for OptimizeOptions::after_pass only
}

namespace kiln {

struct ModelStats {
  int64_t nodes = 0;  // every graph, subgraphs included
  int64_t initializers = 0;
  int64_t bytes = 0;  // serialized model size
};

// One application of one pass.
struct PassRun {
  std::string pass;
  int iteration = 0;  // 1-based round of the fixed-point loop
  int rewrites = 0;
  ModelStats before, after;
  // Output change caused by this application (filled in by an after_pass hook that verifies).
  bool verified = false;
  double max_abs = 0, max_rel = 0;
  // First outputs of the main graph's nodes this application created or changed (a node counts
  // as changed when its attributes, inputs or the contents of an initializer it reads changed):
  // what `kiln diff --explain` names a pass by.
  std::vector<std::string> touched;
};

struct OptimizeOptions {
  std::vector<std::string> passes;  // empty: default_pass_names()
  bool fixed_point = true;
  int max_iterations = 16;
  // Check the model after every application that rewrote something, so a pass that breaks the
  // model is named (the final check always runs).
  bool check_each_pass = true;
  // Called after every application with rewrites, with the model as it is now.
  std::function<void(PassRun&, const onnx::ModelProto&)> after_pass;
};

struct VerifyOptions {
  double rtol = 1e-5;  // max_rel allowed (see TensorDiff::max_rel)
  uint64_t seed = 1;
  std::vector<int64_t> dynamic_dims = {1, 3};
};

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

struct ModelStatsRecord {
  int64_t nodes = 0, initializers = 0, bytes = 0;
};

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

struct PassTotal {
  std::string name;
  int rewrites = 0;
};

struct OutputErrorRecord {
  std::string name;
  std::optional<double> max_abs, max_rel;
  std::optional<std::string> problem;
};

struct VerificationRecord {
  bool enabled = false;
  std::optional<double> max_abs, max_rel;
  std::vector<OutputErrorRecord> outputs;
  double rtol = 0;
  std::vector<std::string> input_sets;
  bool passed = false;
};

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

// Returns the report. Throws kiln::Error (one line) for an unreadable model, a model ONNX Runtime
// cannot run, or outputs that moved beyond verify_options.rtol.
OptimizeFileResult optimize_file(const OptimizeFileOptions& options);

// The report as a per-pass table plus model and verification lines (Markdown or plain text).
std::string format_optimize_report(const OptimizeFileResult& report, bool markdown);

}  // namespace kiln
