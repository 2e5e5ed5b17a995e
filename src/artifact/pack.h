#pragma once
// `kiln pack` (PackOptions, PackResult, pack_artifact: the public kiln/pack.h) and the JSON form
// of its options and result.
#include "artifact/git_commit.h"
#include "artifact/validate_result.h"
#include "common/json_record.h"
#include "kiln/pack.h"
#include "runtime/input_spec.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PackOptions, model, reference, name, version, dataset,
                                   accuracy_samples, optimization, optimize_report, calibration,
                                   quantize_report, fp16_report, choice, inputs, golden_data,
                                   golden_samples, eval, eval_samples, description, max_mae,
                                   latency_runs, out, git_commit)

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PackResult, schema_version, out, optimization,
                                   equivalence_measured, equivalence_bound, latency_ms, validation,
                                   git)

}  // namespace kiln
