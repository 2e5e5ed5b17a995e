#pragma once
// The FP16 rewrite: every float tensor computed by a node not kept FP32 becomes float16, float
// initializers read only by FP16 nodes are converted in place (others get an FP16 copy), and a
// Cast goes wherever an FP16 node reads an FP32 value or an FP32 node reads an FP16 one (one Cast
// per value and direction). Graph inputs and outputs become float16 too, unless keep_io_types:
// then the model's interface stays float32 with Casts just inside it.
#include <map>
#include <string>

#include <onnx/onnx_pb.h>

namespace kiln {

struct Fp16Rewrite {
  int fp16_nodes = 0, fp32_nodes = 0;
  int casts = 0;
  int initializers = 0;  // float initializers converted or copied to float16
};

// `blocked`: node indices of the main graph that stay FP32 (fp16_plan.h).
Fp16Rewrite convert_to_fp16(onnx::ModelProto& model, const std::map<int, std::string>& blocked,
                            bool keep_io_types);

}  // namespace kiln
