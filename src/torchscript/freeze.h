#pragma once
// `kiln freeze`: seminar task 1. Freezes a model two ways, measures how far each freeze is from
// the original (Δ = relative L2) on random and real inputs, and probes data-dependent branches
// to tell the user whether tracing is safe for this model. No LibTorch in this header.
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/json_record.h"
#include "torchscript/freeze_result.h"

namespace kiln {

struct FreezeOptions {
  std::string model;                     // a built-in model name, or
  std::filesystem::path torchscript;     // a user's TorchScript module (re-traced)
  std::filesystem::path weights;         // folder written by `kiln train` (built-in models)
  std::string input_shape;               // required with --torchscript, e.g. 1x1x28x28
  std::string dataset;                   // real test images; default: the training dataset
  uint64_t seed = 0;                     // random inputs (and weights when none are given)
  double disagreement_threshold = 1e-5;  // Δ above this means two freezes disagree
  std::filesystem::path out;

  // kiln::OptionError for a value freeze_model cannot use.
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FreezeOptions, model, torchscript, weights, input_shape, dataset,
                                   seed, disagreement_threshold, out)

inline constexpr const char* kTracedFile = "model_traced.pt";
inline constexpr const char* kScriptedFile = "model_scripted.pt";
inline constexpr const char* kFreezeReportJson = "freeze_report.json";
inline constexpr const char* kFreezeReportMd = "freeze_report.md";

// Writes model_traced.pt, model_scripted.pt and the report into OUT; returns the report.
FreezeResult freeze_model(const FreezeOptions& options);
// Markdown rendering of the report (also written to OUT/freeze_report.md).
std::string freeze_report_markdown(const FreezeResult& report);

}  // namespace kiln
