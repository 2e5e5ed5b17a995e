#include "quantize_onnx/quant_params.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "common/error.h"

namespace kiln {

namespace {

struct IntRange {
  double lo, hi;
};

IntRange int_range(DType dtype) {
  switch (dtype) {
    case DType::UInt8:
      return {0, 255};
    case DType::Int8:
      return {-128, 127};
    case DType::Int32:
      return {static_cast<double>(std::numeric_limits<int32_t>::min()),
              static_cast<double>(std::numeric_limits<int32_t>::max())};
    default:
      throw Error("quantize: unsupported quantized type " + dtype_name(dtype));
  }
}

// Number of slices along `axis` and the size of one inner block (elements after the axis).
struct Slicing {
  int64_t channels = 1, inner = 1;
};

Slicing slicing(const Shape& shape, int64_t axis, int64_t numel) {
  if (axis < 0) return {1, numel};
  if (axis >= static_cast<int64_t>(shape.size()))
    throw Error("quantize: axis " + std::to_string(axis) + " beyond the tensor's rank");
  Slicing s;
  s.channels = shape[axis];
  for (size_t d = axis + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

}  // namespace

double round_half_even(double x) {
  return std::nearbyint(x);
}  // default FE_TONEAREST mode

QuantParams activation_params(double min, double max) {
  QuantParams p;
  p.dtype = DType::UInt8;
  double lo = std::min(min, 0.0), hi = std::max(max, 0.0);
  if (!std::isfinite(lo) || !std::isfinite(hi))
    throw Error("quantize: activation range is not finite");
  if (hi - lo <= 0) {
    p.scale = {1.0f};
    p.zero_point = {0};
    return p;
  }
  float scale = static_cast<float>((hi - lo) / 255.0);
  auto zp = static_cast<int32_t>(std::clamp(round_half_even(-lo / scale), 0.0, 255.0));
  p.scale = {scale};
  p.zero_point = {zp};
  return p;
}

QuantParams weight_params(const HostTensor& weight, int64_t axis) {
  QuantParams p;
  p.dtype = DType::Int8;
  p.axis = axis;
  auto values = weight.to_doubles();
  Slicing s = slicing(weight.shape, axis, weight.numel());
  std::vector<double> absmax(s.channels, 0.0);
  for (int64_t i = 0; i < static_cast<int64_t>(values.size()); ++i) {
    int64_t c = (i / s.inner) % s.channels;
    absmax[c] = std::max(absmax[c], std::abs(values[i]));
  }
  for (double m : absmax) {
    p.scale.push_back(m > 0 ? static_cast<float>(m / 127.0) : 1.0f);
    p.zero_point.push_back(0);
  }
  return p;
}

QuantParams bias_params(float input_scale, const QuantParams& weight) {
  QuantParams p;
  p.dtype = DType::Int32;
  p.axis = weight.per_channel() ? 0 : -1;
  for (float ws : weight.scale) {
    p.scale.push_back(input_scale * ws);  // float × float, as ONNX Runtime's kernels compute it
    p.zero_point.push_back(0);
  }
  return p;
}

HostTensor quantize(const HostTensor& x, const QuantParams& params, std::string name) {
  HostTensor q(std::move(name), params.dtype, x.shape);
  Slicing s = slicing(x.shape, params.axis, x.numel());
  if (static_cast<int64_t>(params.scale.size()) != s.channels)
    throw Error("quantize: " + std::to_string(params.scale.size()) + " scales for " +
                std::to_string(s.channels) + " channels");
  IntRange r = int_range(params.dtype);
  auto values = x.to_doubles();
  for (int64_t i = 0; i < static_cast<int64_t>(values.size()); ++i) {
    int64_t c = (i / s.inner) % s.channels;
    // Divide in float like QuantizeLinear does, so kiln's constants match ONNX Runtime's.
    double v = static_cast<float>(values[i]) / params.scale[c];
    q.set(i, std::clamp(round_half_even(v) + params.zero_point[c], r.lo, r.hi));
  }
  return q;
}

HostTensor dequantize(const HostTensor& q, const QuantParams& params, std::string name) {
  HostTensor x(std::move(name), DType::Float32, q.shape);
  Slicing s = slicing(q.shape, params.axis, q.numel());
  auto values = q.to_doubles();
  float* out = x.ptr<float>();
  for (int64_t i = 0; i < static_cast<int64_t>(values.size()); ++i) {
    int64_t c = (i / s.inner) % s.channels;
    out[i] = static_cast<float>(values[i] - params.zero_point[c]) * params.scale[c];
  }
  return x;
}

HostTensor scale_tensor(const QuantParams& params, std::string name) {
  Shape shape = params.per_channel() ? Shape{static_cast<int64_t>(params.scale.size())} : Shape{};
  HostTensor t(std::move(name), DType::Float32, shape);
  std::copy(params.scale.begin(), params.scale.end(), t.ptr<float>());
  return t;
}

HostTensor zero_point_tensor(const QuantParams& params, std::string name) {
  Shape shape =
      params.per_channel() ? Shape{static_cast<int64_t>(params.zero_point.size())} : Shape{};
  HostTensor t(std::move(name), params.dtype, shape);
  for (size_t i = 0; i < params.zero_point.size(); ++i)
    t.set(static_cast<int64_t>(i), params.zero_point[i]);
  return t;
}

}  // namespace kiln
