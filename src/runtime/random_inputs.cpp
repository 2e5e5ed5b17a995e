#include "runtime/random_inputs.h"

#include <random>

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

std::vector<HostTensor> random_inputs(const std::vector<ValueInfo>& inputs, int64_t dynamic_dim,
                                      uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<HostTensor> out;
  for (const auto& info : inputs) {
    if (!info.supported()) {
      throw Error(
          fmt::format("input '{}' is a {}: kiln cannot generate it", info.name, info.describe()));
    }
    Shape shape = info.shape;
    for (auto& d : shape) d = d < 0 ? dynamic_dim : d;
    HostTensor t(info.name, info.dtype(), shape);
    bool floating = is_floating(t.dtype);
    for (int64_t i = 0; i < t.numel(); ++i) {
      uint64_t r = rng();
      double v = floating ? static_cast<double>(r >> 11) * 0x1.0p-53 * 2.0 - 1.0
                          : static_cast<double>(r & 1);
      t.set(i, v);
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace kiln
