#pragma once
// What FP16 would do to each float tensor of a model, measured in FP32 over calibration batches:
// the largest magnitude (FP16 overflows to infinity above 65504) and how many nonzero values are
// so small that FP16 flushes them to zero (below 2^-25, half its smallest subnormal).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "tensor/host_tensor.h"

namespace kiln {

inline constexpr double kFp16Max = 65504.0;
inline constexpr double kFp16FlushToZero = 2.98023223876953125e-08;  // 2^-25

struct ActivationStats {
  double max_abs = 0;
  int64_t count = 0, nonzero = 0, flushed = 0, non_finite = 0;
  double flushed_share() const {
    return nonzero ? static_cast<double>(flushed) / static_cast<double>(nonzero) : 0.0;
  }
};

// Statistics of every tensor in `tensors` (float32 values of the FP32 model) over `batches`.
std::map<std::string, ActivationStats> activation_stats(
    const onnx::ModelProto& model, const std::vector<std::string>& tensors,
    const std::vector<std::vector<HostTensor>>& batches, int threads);

// The same statistics of one float32 tensor (an initializer).
ActivationStats tensor_stats(const HostTensor& tensor);

}  // namespace kiln
