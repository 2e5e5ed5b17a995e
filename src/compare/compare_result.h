#pragma once
// What `kiln compare` measured (ErrorStats, CompareResult and its records: the public
// kiln/compare.h) and their JSON form: the result the pipeline stores (05_compare/compare_*.json);
// precision and quantize-onnx reuse the equivalence numbers.
#include "common/json_record.h"
#include "kiln/compare.h"
#include "runtime/input_spec.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ErrorStats, mean_abs_error, max_abs_error, relative_l2, elements,
                                   nonfinite_reference, nonfinite_candidate, top1_agreement,
                                   shape_problem)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModelRef, path, engine)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareSet, inputs, batch, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareBounds, max_mae, atol, rtol)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareAccuracy, reference, target, delta_pp, samples)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareDataset, name, samples)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareResult, schema_version, reference, target, input_shape,
                                   inputs, sets, total, accuracy, dataset, bounds, failures, notes,
                                   passed)

}  // namespace kiln
