#pragma once
// `kiln convert-fp16` as a library call (ConvertFp16Options, convert_fp16_file,
// format_fp16_report: the public kiln/convert_fp16.h) and the options' JSON form.
#include "common/json_record.h"
#include "fp16/convert_fp16_result.h"
#include "kiln/convert_fp16.h"
#include "runtime/input_spec.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ConvertFp16Options, input, output, report, keep_io_types,
                                   block_ops, block_nodes, allow_unsafe_ops, calibrate, inputs,
                                   calib_samples, eval_samples, threads)

}  // namespace kiln
