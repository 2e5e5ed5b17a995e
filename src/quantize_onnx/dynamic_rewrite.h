#pragma once
// Dynamic (weights-only) INT8 quantization: every MatMul/Gemm with a constant 2-D weight becomes
//   DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q, x_zp, 0) → Cast → Mul(x_scale × w_scale) [→
//   Add(bias)]
// with W stored int8 (symmetric, per tensor, [K, N]). The activation's scale is computed at run
// time, so no calibration is needed; ONNX Runtime fuses the chain into DynamicQuantizeMatMul.
// Convolutions stay float: ONNX Runtime's CPU provider has no ConvInteger for int8 weights.
#include <set>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace kiln {

struct DynamicSummary {
  std::vector<std::string> quantized;  // node labels
  std::vector<std::string> skipped;    // Conv and other candidates left float, with the reason
};

// Rewrites `model` in place; `exclude` names nodes to keep float (kiln::UsageError for a name that
// is not a MatMul/Gemm the rewrite could take). Needs opset ≥ 11 (kiln::Error otherwise).
DynamicSummary quantize_dynamic_model(onnx::ModelProto& model,
                                      const std::set<std::string>& exclude);

}  // namespace kiln
