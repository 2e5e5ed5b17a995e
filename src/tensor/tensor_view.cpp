#include "tensor/tensor_view.h"

#include <fmt/format.h>
#include <onnxruntime_cxx_api.h>

#include "common/error.h"

namespace kiln {

HostTensor TensorView::copy() const {
  HostTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = shape;
  if (bytes > 0) t.data.assign(data, data + bytes);
  return t;
}

TensorView view_of(const HostTensor& tensor) {
  return {tensor.name, tensor.dtype, tensor.shape, tensor.data.data(), tensor.data.size()};
}

TensorView view_of(const Ort::Value& value, std::string name) {
  if (!value.IsTensor())
    throw Error(fmt::format("output '{}' is not a tensor (sequence or map)", name));
  auto info = value.GetTensorTypeAndShapeInfo();
  TensorView v;
  v.dtype = dtype_from_onnx(static_cast<int32_t>(info.GetElementType()), "output '" + name + "'");
  v.name = std::move(name);
  v.shape = info.GetShape();
  v.bytes = info.GetElementCount() * dtype_size(v.dtype);
  v.data = v.bytes > 0 ? static_cast<const char*>(value.GetTensorRawData()) : nullptr;
  return v;
}

}  // namespace kiln
