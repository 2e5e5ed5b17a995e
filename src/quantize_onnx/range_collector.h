#pragma once
// Calibration: the float model runs in ONNX Runtime over the calibration batches with the watched
// tensors added as extra outputs, and each tensor's range is chosen by the calibration method.
// minmax needs one pass; percentile and entropy take a second pass that fills a histogram over
// the range seen in the first (of |x| for percentile, of x for entropy).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "kiln/quantize_onnx.h"
#include "quantize_onnx/calibration_method.h"
#include "tensor/host_tensor.h"

namespace kiln {

// CalibrationOptions: the public kiln/quantize_onnx.h.

// Range of every tensor in `tensors` over all `batches` (each batch: the model's inputs).
std::map<std::string, Range> collect_ranges(const onnx::ModelProto& model,
                                            const std::vector<std::string>& tensors,
                                            const std::vector<std::vector<HostTensor>>& batches,
                                            const CalibrationOptions& options);

}  // namespace kiln
