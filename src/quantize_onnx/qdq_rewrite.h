#pragma once
// Writes a QuantPlan into the model in QDQ form: QuantizeLinear → DequantizeLinear after every
// planned activation, int8 weights and int32 biases as initializers behind DequantizeLinear, and
// the float Conv/MatMul/Gemm left in place between them. ONNX Runtime recognizes the
// DQ → op → Q groups and runs them as int8 kernels (QLinearConv, QGemm, …); every other runtime
// still gets a correct float model.
#include <map>
#include <string>

#include <onnx/onnx_pb.h>

#include "quantize_onnx/calibration_method.h"
#include "quantize_onnx/quant_params.h"
#include "quantize_onnx/quant_plan.h"

namespace kiln {

// Scale and zero point of every planned activation: calibrated tensors from their range,
// data-movement outputs from the tensor they share with. Throws kiln::Error when a range is
// missing.
std::map<std::string, QuantParams> activation_quant_params(
    const QuantPlan& plan, const std::map<std::string, Range>& ranges);

struct QdqSummary {
  int quantized_nodes = 0;
  int qdq_pairs = 0;      // activation Q→DQ pairs
  int weights = 0;        // int8 weight initializers
  int biases = 0;         // int32 bias initializers
  int padded_inputs = 0;  // Conv inputs padded along the channel axis (quant_plan.h)
};

// Rewrites `model` (whose graph the plan was made on). The model must import opset ≥ 13
// (per-axis QuantizeLinear/DequantizeLinear); throws kiln::Error otherwise.
QdqSummary write_qdq(onnx::ModelProto& model, const QuantPlan& plan,
                     const std::map<std::string, QuantParams>& activations);

}  // namespace kiln
