#pragma once
// How well models do on a user's evaluation batches (data/batch_folder.h), next to a reference
// (the FP32 model). One metric for the whole run, chosen by what the data and outputs allow, and
// named in the result so no figure passes for another:
//   top1_accuracy   the batches carry labels: arg-max of the first output against them;
//   top1_agreement  no labels, the first output is classifier-shaped (N×C floats, C ≥ 2): the
//                   share of samples whose arg-max matches the reference's;
//   relative_error  otherwise: Σ|y − y_ref| / Σ|y_ref| over every output (lower is better).
// The first two give a drop in percentage points against the reference; a NaN or Inf where the
// reference is finite counts as wrong (accuracy, agreement) or makes the error infinite.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "data/batch_folder.h"

namespace kiln {

struct ModelQuality {
  std::string model;  // file name
  double value = 0;   // accuracy or agreement in [0, 1], or the relative error
  std::optional<double> drop_pp;  // against the reference (top1_* metrics)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModelQuality, model, value, drop_pp)

struct EvalQuality {
  std::string metric;  // top1_accuracy, top1_agreement or relative_error
  std::string data;    // the folder
  int64_t samples = 0;
  std::vector<ModelQuality> models;  // models[0] is the reference
  // "top-1 accuracy on 256 labelled samples of eval/" and the like
  std::string describe() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EvalQuality, metric, data, samples, models)

// Runs the reference (.pt or .onnx) and every model (.onnx or .pt) on every batch.
EvalQuality measure_eval_quality(const BatchFolder& data, const std::filesystem::path& reference,
                                 const std::vector<std::filesystem::path>& models);

}  // namespace kiln
