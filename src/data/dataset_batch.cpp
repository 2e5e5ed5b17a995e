#include "data/dataset_batch.h"

namespace kiln {

HostTensor dataset_batch(const Dataset& ds, int64_t start, int64_t count) {
  Normalization norm = normalization_for(ds.name);
  HostTensor t("input", DType::Float32, {count, 1, ds.rows, ds.cols});
  float* p = t.ptr<float>();
  const uint8_t* src = ds.image(start);
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>((src[i] / 255.0 - norm.mean) / norm.std);
  return t;
}

}  // namespace kiln
