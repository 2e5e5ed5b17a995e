#pragma once
// Per-layer sensitivity: each quantizable node is quantized on its own (everything else float)
// and the model's output compared with the float model's, so a user sees which layers cost the
// accuracy and what to pass to --exclude.
#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "quantize_onnx/calibration_method.h"
#include "quantize_onnx/model_error.h"
#include "quantize_onnx/quant_plan.h"

namespace kiln {

struct LayerSensitivity {
  std::string label, op;
  double relative_l2 = 0, max_abs = 0, top1_agreement = 1;
};

// One entry per node in `layers`, in that order.
std::vector<LayerSensitivity> layer_sensitivity(
    const onnx::ModelProto& model, const std::vector<QuantizedNode>& layers, bool per_channel,
    const std::map<std::string, Range>& ranges, const Batches& batches,
    const std::vector<HostTensor>& reference, int threads);

}  // namespace kiln
