#include "tensor/tensor_view.h"

#include <cstring>

namespace kiln {

HostTensor TensorView::copy() const {
  HostTensor t(name, dtype, shape);
  if (bytes > 0) std::memcpy(t.data.data(), data, bytes);
  return t;
}

TensorView view_of(const HostTensor& tensor) {
  return {tensor.name, tensor.dtype, tensor.shape, tensor.data.data(), tensor.data.size()};
}

}  // namespace kiln
