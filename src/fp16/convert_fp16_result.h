#pragma once
// What `kiln convert-fp16` did (ConvertFp16Result and its records: the public
// kiln/convert_fp16.h) and its JSON form.
#include "common/json_record.h"
#include "compare/compare_result.h"
#include "kiln/convert_fp16.h"
#include "quantize_onnx/quantize_onnx_result.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BlockedNodeRecord, node, op, why)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Fp16AccuracyRecord, dataset, samples, fp32_top1, fp16_top1,
                                   drop_pp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ConvertFp16Result, schema_version, input, output, keep_io_types,
                                   calibration, calibration_samples, fp16_nodes, fp32_nodes,
                                   blocked, casts_inserted, initializers_converted, bytes,
                                   verified_on, error, new_non_finite, test)

}  // namespace kiln
