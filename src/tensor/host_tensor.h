#pragma once
// The one neutral tensor type: what crosses the LibTorch/ONNX boundary and goes to disk. It holds
// raw little-endian bytes so every element type round-trips exactly; ONNX's TensorProto (`.pb`) is
// its file format. Converters to TensorProto and Ort::Value are declared here but need no ONNX or
// ONNX Runtime headers in the files that include this one.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/shape.h"
#include "kiln/types.h"

namespace onnx {
class TensorProto;
}
namespace Ort {
struct Value;
}

namespace kiln {

// DType: the public kiln/types.h.
size_t dtype_size(DType dtype);
std::string dtype_name(DType dtype);  // "float32", "int64", ...
bool is_floating(DType dtype);
// ONNX element type number → DType; throws kiln::Error naming `what` for types kiln does not hold
// (string, complex, float8, int4).
DType dtype_from_onnx(int32_t elem_type, const std::string& what);
bool is_supported_onnx_type(int32_t elem_type);

struct HostTensor {
  std::string name;
  DType dtype = DType::Float32;
  Shape shape;
  std::string data;  // numel * dtype_size bytes, little-endian, row-major

  HostTensor() = default;
  // A zero-filled tensor; throws kiln::Error for negative or absurd dimensions.
  HostTensor(std::string name, DType dtype, Shape shape);

  int64_t numel() const;
  size_t nbytes() const { return data.size(); }
  template <class T>
  T* ptr() {
    return reinterpret_cast<T*>(data.data());
  }
  template <class T>
  const T* ptr() const {
    return reinterpret_cast<const T*>(data.data());
  }
  // Every element as double (float16/bfloat16 widened, bool 0/1). Integers beyond 2^53 round.
  std::vector<double> to_doubles() const;
  double at(int64_t flat_index) const;
  // Writes element `flat_index` from a double, converting (rounding) to dtype.
  void set(int64_t flat_index, double value);
  // Throws kiln::Error naming `what` when data.size() does not match shape and dtype.
  void check(const std::string& what) const;
};

HostTensor make_tensor(std::string name, DType dtype, Shape shape,
                       const std::vector<double>& values);

// TensorProto. Reading accepts raw_data and the typed repeated fields; writing uses raw_data.
// `where` (a file or value name) starts every error message.
HostTensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where);
void tensor_to_proto(const HostTensor& tensor, onnx::TensorProto* proto);

// `.pb` files (a serialized TensorProto). Errors are one line naming the file.
HostTensor read_tensor_pb(const std::filesystem::path& path);
void write_tensor_pb(const HostTensor& tensor, const std::filesystem::path& path);

// Ort::Value that owns a copy of the data.
Ort::Value to_ort_value(const HostTensor& tensor);
// Ort::Value that points at tensor.data (no copy): `tensor` must outlive it and keep its size.
Ort::Value ort_value_view(HostTensor& tensor);
// Copies an ONNX Runtime tensor out; throws kiln::Error for non-tensor values or unsupported types.
HostTensor from_ort_value(const Ort::Value& value, std::string name);

}  // namespace kiln
