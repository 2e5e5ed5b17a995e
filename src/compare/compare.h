#pragma once
// `kiln compare REF TARGET`: runs two models (TorchScript or ONNX, any mix) on the same inputs —
// seeded random at batch 1 and a larger batch (the dynamic axis), and real dataset samples — and
// reports the seminar's E = mean |y − ŷ| with max error, relative L2, top-1 agreement and NaN/Inf.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <vector>

#include "common/json_record.h"
#include "compare/compare_result.h"
#include "runtime/input_spec.h"

namespace kiln {

struct CompareOptions {
  std::filesystem::path reference, target;
  std::string input_shape;  // needed when neither model declares its input shape
  // `--input` specs (several inputs, integer tokens, named dims): random inputs at the example
  // sizes and at the second size of every dynamic dim; outputs matched by name when both models
  // name them alike (kiln's export does), else by position.
  std::vector<InputSpec> inputs;
  int64_t samples = 512;             // dataset samples (0 = none)
  int64_t batch = 32;                // the larger batch
  std::string dataset = "mnist";     // "none" to skip real samples
  double max_mae = 1e-3;             // pass when E ≤ this
  std::optional<double> atol, rtol;  // optional element-wise |y − ŷ| ≤ atol + rtol·|y|
  uint64_t seed = 0;
  // NaN/Inf fail the comparison unless this is set; then only identical ones on both sides (the
  // same NaN/infinity at the same position) pass.
  bool allow_nonfinite = false;

  // kiln::OptionError for a value compare_models cannot use.
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareOptions, reference, target, input_shape, inputs, samples,
                                   batch, dataset, max_mae, atol, rtol, seed, allow_nonfinite)

// `passed` says whether every bound held.
CompareResult compare_models(const CompareOptions& options);
std::string compare_report_text(const CompareResult& report);

}  // namespace kiln
