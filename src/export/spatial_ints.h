#pragma once
// PyTorch's int[] arguments of convolutions and pools (stride, padding, dilation, kernel size) may
// give one value for every spatial dimension: `per_spatial_dim({2}, 2)` is {2, 2}.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln {

inline std::vector<int64_t> per_spatial_dim(std::vector<int64_t> v, size_t spatial) {
  if (v.size() == 1 && spatial > 1) v.assign(spatial, v[0]);
  return v;
}

}  // namespace kiln
