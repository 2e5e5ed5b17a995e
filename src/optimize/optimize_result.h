#pragma once
// What `kiln optimize` did to a model file (OptimizeFileResult and its records: the public
// kiln/optimize.h) and its JSON form, optimize_report.json; the pipeline and pack take the applied
// passes from here (never from the report's text).
#include "common/json_record.h"
#include "kiln/optimize.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModelStatsRecord, nodes, initializers, bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PassRunRecord, pass, iteration, rewrites, before, after,
                                   verified, max_abs, max_rel, touched)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PassTotal, name, rewrites)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OutputErrorRecord, name, max_abs, max_rel, problem)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerificationRecord, enabled, max_abs, max_rel, outputs, rtol,
                                   input_sets, passed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OptimizeFileResult, schema_version, input, output,
                                   passes_requested, fixed_point, iterations, converged, before,
                                   after, runs, passes, verification)

}  // namespace kiln
