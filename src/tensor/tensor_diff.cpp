#include "tensor/tensor_diff.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace kiln {

TensorDiff diff_tensors(const HostTensor& expected, const HostTensor& actual, double rtol,
                        double atol) {
  TensorDiff d;
  const double inf = std::numeric_limits<double>::infinity();
  if (expected.shape != actual.shape || expected.dtype != actual.dtype) {
    d.comparable = false;
    d.problem = fmt::format("expected {} {}, got {} {}", dtype_name(expected.dtype),
                            format_shape(expected.shape), dtype_name(actual.dtype),
                            format_shape(actual.shape));
    d.max_abs = d.max_rel = inf;
    return d;
  }
  d.count = expected.numel();
  for (int64_t i = 0; i < d.count; ++i) {
    double e = expected.at(i), a = actual.at(i);
    double diff = 0;
    if (std::isnan(e) || std::isnan(a))
      diff = std::isnan(e) && std::isnan(a) ? 0 : inf;
    else if (std::isinf(e) || std::isinf(a))
      diff = e == a ? 0 : inf;
    else {
      diff = std::fabs(e - a);
      d.expected_max = std::max(d.expected_max, std::fabs(e));
    }
    d.max_abs = std::max(d.max_abs, diff);
    if (diff > atol + rtol * (std::isfinite(e) ? std::fabs(e) : 0.0)) ++d.mismatches;
  }
  d.max_rel = d.max_abs / std::max(d.expected_max, kRelativeFloor);
  return d;
}

}  // namespace kiln
