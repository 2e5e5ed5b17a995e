#pragma once
// Options of `kiln diff REF TARGET` (DiffOptions: the public kiln/diff.h) and their JSON form.
#include "common/json_record.h"
#include "kiln/diff.h"
#include "runtime/input_spec.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffOptions, reference, target, export_report, inputs, samples,
                                   dataset, real_only, max_mem_mb, atol, rtol, explain, seed,
                                   threads)

}  // namespace kiln
