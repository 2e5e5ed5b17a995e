#pragma once
// kiln's public API (docs/library.md): shapes and element types every command's options name.
#include <cstdint>
#include <vector>

namespace kiln {

// A tensor shape; "1x1x28x28" on the command line.
using Shape = std::vector<int64_t>;

// Values are ONNX's TensorProto::DataType numbers (ONNX Runtime uses the same ones).
enum class DType : int32_t {
  Float32 = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  Bool = 9,
  Float16 = 10,
  Float64 = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
};

}  // namespace kiln
