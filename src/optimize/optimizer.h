#pragma once
// The pass driver: runs a list of passes over a model (every graph, If/Loop/Scan bodies
// included), once or until nothing changes, and keeps the model's interface and validity.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "kiln/optimize.h"

namespace kiln {

// ModelStats, PassRun, OptimizeOptions: the public kiln/optimize.h.
ModelStats model_stats(const onnx::ModelProto& model);

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

// One pass, once, over every graph of `model`, in place; value_info about removed values is
// dropped. None of optimize_model's checks (each would copy the model with its weights): the
// caller checks the result. Returns the rewrites; kiln::UsageError for an unknown pass. (The
// exporter's BatchNormalization fold, on a model as large as its weights.)
int apply_pass(onnx::ModelProto& model, const std::string& pass);

}  // namespace kiln
