#pragma once
// Where a static INT8 plan leaves a float op right after a quantized node. ONNX Runtime fuses
// DQ→Conv→Q into one integer kernel, but a float op reading that output (a BatchNormalization
// not folded into the Conv, an Add, a Sigmoid) makes it dequantize, run the op in float and
// quantize again: the INT8 model then gains little over FP32. The report names each such op.
#include <vector>

#include "onnx/graph_view.h"
#include "quantize_onnx/quant_plan.h"
#include "quantize_onnx/quantize_onnx_result.h"

namespace kiln {

// The float readers of every planned node's quantized output (through the data-movement ops that
// share its parameters), in graph order.
std::vector<FloatGapRecord> float_gaps(const GraphView& view, const QuantPlan& plan);

}  // namespace kiln
