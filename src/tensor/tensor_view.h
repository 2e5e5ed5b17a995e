#pragma once
// A tensor someone else owns: a HostTensor's bytes or ONNX Runtime's output buffer, read without a
// copy (kiln diff counts activations where they were computed). Valid while the owner lives.
#include <cstddef>
#include <string>

#include "tensor/host_tensor.h"

namespace Ort {
struct Value;
}

namespace kiln {

struct TensorView {
  std::string name;
  DType dtype = DType::Float32;
  Shape shape;
  const char* data = nullptr;
  size_t bytes = 0;

  int64_t numel() const { return static_cast<int64_t>(bytes / dtype_size(dtype)); }
  template <class T>
  const T* ptr() const {
    return reinterpret_cast<const T*>(data);
  }
  HostTensor copy() const;
};

TensorView view_of(const HostTensor& tensor);
// An ONNX Runtime tensor where it lies (valid while `value` lives); kiln::Error for non-tensors
// (sequences, maps) and element types HostTensor does not hold.
TensorView view_of(const Ort::Value& value, std::string name);

}  // namespace kiln
