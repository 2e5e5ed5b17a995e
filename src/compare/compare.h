#pragma once
// `kiln compare REF TARGET` (CompareOptions, compare_models, compare_report_text: the public
// kiln/compare.h) and the options' JSON form (the pipeline's stage key).
#include "common/json_record.h"
#include "compare/compare_result.h"
#include "kiln/compare.h"
#include "runtime/input_spec.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareOptions, reference, target, input_shape, inputs, samples,
                                   batch, dataset, max_mae, atol, rtol, seed, allow_nonfinite)

}  // namespace kiln
