#pragma once
// `kiln pipeline --model PATH.pt`: the seminar's flow on the user's own TorchScript model.
//   04_export → 05_compare → 06_optimize → 06_quantize (static INT8 with --calibrate, dynamic
//   otherwise) → 06_convert_fp16 → 06_diff_int8 → 07_bench → 07_choose → 08_pack → 09_validate
// Train, freeze, the branch study and the autocast study need kiln's eager model: skipped, each
// with its reason (skipped_user_model_stages). The user's data is read and checked against the
// input specs before any stage runs (check_user_model_data), so bad data writes nothing.
#include <filesystem>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "pipeline/stage.h"

namespace kiln {

struct PipelineOptions;
struct PipelineResult;

// A stage that may find nothing to do on this model (INT8 of a model with no quantizable node,
// FP16 that fails its verification): what happened, so later stages leave the candidate out and
// the report says why.
struct CandidateOutcome {
  bool made = false;
  std::string reason;  // why not, when !made
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CandidateOutcome, made, reason)

// The 08_pack stage's record: which model was packed and the equivalence bound it was held to.
struct UserPackRecord {
  std::string precision;       // fp32, int8, fp16
  double max_mae = 0;          // the artifact's bound
  std::string bound_rule;      // how that bound was set
  double measured_mae = 0;     // E of the packed model against the reference (05-style compare)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(UserPackRecord, precision, max_mae, bound_rule, measured_mae)

// Throws kiln::Error (one line) for a missing model, example file, calibration or eval folder, or
// data that does not match the specs (dtype, rank, static dims). Reads nothing into the run folder.
void check_user_model_data(const PipelineOptions& options);

// "01_train: skipped — …" for each seminar stage that needs kiln's own eager model.
std::vector<std::string> skipped_user_model_stages();

std::vector<Stage> user_model_stages(const PipelineOptions& options, const std::filesystem::path& root);

// REPORT.md and report.html of a user-model run.
void write_user_model_report(const std::filesystem::path& root, const PipelineOptions& options,
                             const PipelineResult& summary);

}  // namespace kiln
