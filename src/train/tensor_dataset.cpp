#include "train/tensor_dataset.h"

#include <torch/torch.h>

namespace kiln {

TensorData to_tensors(const Dataset& ds, const Normalization& norm, int64_t limit) {
  int64_t n = limit > 0 ? std::min(limit, ds.count) : ds.count;
  auto bytes = torch::from_blob(const_cast<uint8_t*>(ds.images.data()), {n, 1, ds.rows, ds.cols},
                                torch::kUInt8);
  TensorData out;
  out.images = bytes.to(torch::kFloat32).div_(255.0).sub_(norm.mean).div_(norm.std).contiguous();
  out.labels = torch::from_blob(const_cast<uint8_t*>(ds.labels.data()), {n}, torch::kUInt8)
                   .to(torch::kInt64);
  return out;
}

}  // namespace kiln
