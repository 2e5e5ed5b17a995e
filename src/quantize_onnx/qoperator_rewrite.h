#pragma once
// QOperator format: the QDQ groups of a QDQ model become integer operators, as ONNX Runtime would
// fuse them, but written into the file (for runtimes that do not fuse QDQ):
//   DQ(x) , DQ(W) [, DQ(B)] → Conv [→ Relu] → Q     ⇒  QLinearConv(x_q, …, W_q, …, y_scale, y_zp,
//   B_q) DQ(a) , DQ(B)           → MatMul [→ Relu] → Q   ⇒  QLinearMatMul DQ(x) →
//   MaxPool/Flatten/Reshape/Transpose/Squeeze/Unsqueeze → Q (same scale, zero point)
//                                                   ⇒  the op on uint8
// A ReLU folds only when the output zero point is 0 (uint8 clamps at 0). Gemm has no standard
// integer operator (ONNX Runtime's QGemm is a contrib op) and stays in QDQ form, as does anything
// the patterns do not match. Unused Q/DQ nodes and initializers are removed afterwards.
#include <onnx/onnx_pb.h>

namespace kiln {

struct QOperatorSummary {
  int qlinear_conv = 0, qlinear_matmul = 0, integer_data_movement = 0;
};

QOperatorSummary convert_to_qoperator(onnx::ModelProto& model);

}  // namespace kiln
