#pragma once
// `kiln validate ARTIFACT` (ValidateOptions, validate_artifact and its reports: the public
// kiln/validate.h) and the options' JSON form (the pipeline's stage key).
#include "artifact/validate_result.h"
#include "common/json_record.h"
#include "kiln/validate.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ValidateOptions, artifact, reference, max_mae, max_accuracy_drop,
                                   max_latency_ratio, measure_latency, junit)

}  // namespace kiln
