#include "train/augment.h"

#include <torch/torch.h>

namespace kiln {

torch::Tensor random_shift(const torch::Tensor& x, int64_t s, double background) {
  if (s <= 0) return x;
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto padded = torch::constant_pad_nd(x, {s, s, s, s}, background);  // N×C×(H+2s)×(W+2s)
  auto offsets = torch::randint(0, 2 * s + 1, {n, 2}, torch::kInt64);
  // Row r of sample i comes from padded row r + dy_i, column q from padded column q + dx_i.
  auto rows = torch::arange(h, torch::kInt64).view({1, h}) + offsets.select(1, 0).view({n, 1});
  auto cols = torch::arange(w, torch::kInt64).view({1, w}) + offsets.select(1, 1).view({n, 1});
  auto picked_rows = padded.gather(2, rows.view({n, 1, h, 1}).expand({n, c, h, w + 2 * s}));
  return picked_rows.gather(3, cols.view({n, 1, 1, w}).expand({n, c, h, w}));
}

}  // namespace kiln
