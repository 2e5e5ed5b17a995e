#pragma once
// The pass driver: runs a list of passes over a model (every graph, If/Loop/Scan bodies
// included), once or until nothing changes, and keeps the model's interface and validity.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace kiln {

struct ModelStats {
  int64_t nodes = 0;  // every graph, subgraphs included
  int64_t initializers = 0;
  int64_t bytes = 0;  // serialized model size
};
ModelStats model_stats(const onnx::ModelProto& model);

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

struct OptimizeResult {
  std::vector<PassRun> runs;  // every application, in order
  int iterations = 0;
  bool converged = false;  // the last round made no rewrite
  ModelStats before, after;
  int rewrites() const;
  int rewrites(const std::string& pass) const;
};

// Rewrites `model` in place. Throws kiln::UsageError for an unknown pass name, kiln::Error when a
// pass changed the model's inputs/outputs or left a model the ONNX checker (or strict shape
// inference) rejects while the original passed.
OptimizeResult optimize_model(onnx::ModelProto& model, const OptimizeOptions& options);

}  // namespace kiln
