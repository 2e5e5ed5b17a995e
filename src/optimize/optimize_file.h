#pragma once
// `kiln optimize` as a library call (OptimizeFileOptions, optimize_file, format_optimize_report:
// the public kiln/optimize.h) and the options' JSON form (the pipeline's stage key).
#include "common/json_record.h"
#include "kiln/optimize.h"
#include "optimize/optimize_result.h"
#include "optimize/optimizer.h"
#include "optimize/verify.h"

namespace kiln {

// The options that decide the result (for the pipeline's stage key); after_pass is code, not data.
void to_json(nlohmann::json& j, const OptimizeFileOptions& o);

}  // namespace kiln
