#pragma once
// Scales and zero points, and the arithmetic that applies them. kiln's choices
// (docs/quantization.md): activations uint8 asymmetric over a range widened to include 0 (so 0 is
// exact, which padding and ReLU need); weights int8 symmetric in [-127, 127] with zero point 0, per
// tensor or per output channel; biases int32 with scale = input scale × weight scale, so the
// integer accumulator of an int8 kernel adds them directly. Rounding is half to even, as
// QuantizeLinear.
#include <cstdint>
#include <vector>

#include "tensor/host_tensor.h"

namespace kiln {

struct QuantParams {
  DType dtype = DType::UInt8;       // UInt8, Int8 or Int32
  std::vector<float> scale;         // one (per tensor) or one per slice along `axis`
  std::vector<int32_t> zero_point;  // same length as scale
  int64_t axis = -1;                // -1: per tensor
  bool per_channel() const { return axis >= 0; }
};

// uint8 parameters for values in [min, max]: the range is widened to include 0, scale =
// (max − min) / 255, zero point = round(−min / scale). An empty range (max = min = 0) gets scale 1.
QuantParams activation_params(double min, double max);

// int8 symmetric parameters of a weight: scale = max |w| / 127 over the whole tensor (axis < 0)
// or over each slice along `axis` (per channel), zero point 0. An all-zero slice gets scale 1.
QuantParams weight_params(const HostTensor& weight, int64_t axis);

// The bias of a quantized Conv/Gemm as int32: scale[c] = input_scale × weight.scale[c] (computed
// in float, as the kernel does), value = round(b / scale), clamped to the int32 range. Per channel
// along axis 0 when the weight is per channel.
QuantParams bias_params(float input_scale, const QuantParams& weight);

// QuantizeLinear: q = clamp(round_half_even(x / scale) + zero_point) into params.dtype. `axis`
// selects the slice each scale applies to; `name` names the result.
HostTensor quantize(const HostTensor& x, const QuantParams& params, std::string name);
// DequantizeLinear back to float32: (q − zero_point) × scale.
HostTensor dequantize(const HostTensor& q, const QuantParams& params, std::string name);

// The scale and zero point as tensors (scalars per tensor, 1-D per channel) for Q/DQ inputs.
HostTensor scale_tensor(const QuantParams& params, std::string name);
HostTensor zero_point_tensor(const QuantParams& params, std::string name);

double round_half_even(double x);

}  // namespace kiln
