#include "tensor/host_tensor.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>
#include <onnxruntime_cxx_api.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/tensor_limit.h"
#include "tensor/tensor_view.h"

namespace kiln {

static_assert(std::endian::native == std::endian::little, "HostTensor stores little-endian bytes");

namespace {

// A tensor file bigger than this is not something kiln writes or reads (protobuf caps at 2 GiB).
constexpr int64_t kMaxTensorBytes = int64_t{1} << 31;

template <class T>
void copy_typed(const google::protobuf::RepeatedField<T>& src, HostTensor& dst) {
  dst.data.assign(reinterpret_cast<const char*>(src.data()),
                  sizeof(T) * static_cast<size_t>(src.size()));
}

// int32_data holds narrow types one per element; narrow each to its storage width.
void copy_from_int32(const google::protobuf::RepeatedField<int32_t>& src, HostTensor& dst) {
  size_t width = dtype_size(dst.dtype);
  dst.data.resize(width * static_cast<size_t>(src.size()));
  for (int i = 0; i < src.size(); ++i) {
    auto v = static_cast<uint32_t>(src.Get(i));
    if (dst.dtype == DType::Bool) v = v != 0;
    std::memcpy(dst.data.data() + width * static_cast<size_t>(i), &v,
                width);  // little-endian low bytes
  }
}

float half_to_float(uint16_t bits) {
  return Ort::Float16_t::FromBits(bits).ToFloat();
}
float bf16_to_float(uint16_t bits) {
  return Ort::BFloat16_t::FromBits(bits).ToFloat();
}

}  // namespace

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::Float32:
    case DType::Int32:
    case DType::UInt32:
      return 4;
    case DType::Float64:
    case DType::Int64:
    case DType::UInt64:
      return 8;
    case DType::Float16:
    case DType::BFloat16:
    case DType::Int16:
    case DType::UInt16:
      return 2;
    case DType::Int8:
    case DType::UInt8:
    case DType::Bool:
      return 1;
  }
  return 0;
}

std::string dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
    case DType::Float16:
      return "float16";
    case DType::BFloat16:
      return "bfloat16";
    case DType::Int8:
      return "int8";
    case DType::UInt8:
      return "uint8";
    case DType::Int16:
      return "int16";
    case DType::UInt16:
      return "uint16";
    case DType::Int32:
      return "int32";
    case DType::UInt32:
      return "uint32";
    case DType::Int64:
      return "int64";
    case DType::UInt64:
      return "uint64";
    case DType::Bool:
      return "bool";
  }
  return "unknown";
}

bool is_floating(DType dtype) {
  return dtype == DType::Float32 || dtype == DType::Float64 || dtype == DType::Float16 ||
         dtype == DType::BFloat16;
}

bool is_supported_onnx_type(int32_t t) {
  switch (t) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 9:
    case 10:
    case 11:
    case 12:
    case 13:
    case 16:
      return true;
    default:
      return false;
  }
}

DType dtype_from_onnx(int32_t elem_type, const std::string& what) {
  if (!is_supported_onnx_type(elem_type)) {
    std::string name = onnx::TensorProto_DataType_IsValid(elem_type)
                           ? onnx::TensorProto_DataType_Name(elem_type)
                           : std::to_string(elem_type);
    throw Error(fmt::format("{}: element type {} is not supported", what, name));
  }
  return static_cast<DType>(elem_type);
}

HostTensor::HostTensor(std::string n, DType t, Shape s)
    : name(std::move(n)), dtype(t), shape(std::move(s)) {
  check_tensor_size(shape, dtype_size(dtype), fmt::format("tensor '{}'", name));
  int64_t count = shape_numel(shape);
  if (count > kMaxTensorBytes / static_cast<int64_t>(dtype_size(dtype))) {
    throw Error(fmt::format("tensor '{}' of shape {} is too large", name, format_shape(shape)));
  }
  data.assign(static_cast<size_t>(count) * dtype_size(dtype), '\0');
}

int64_t HostTensor::numel() const {
  return shape_numel(shape);
}

void HostTensor::check(const std::string& what) const {
  int64_t count = 0;
  try {
    count = shape_numel(shape);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", what, e.what()));
  }
  size_t want = static_cast<size_t>(count) * dtype_size(dtype);
  if (data.size() != want) {
    throw Error(fmt::format("{}: {} {} needs {} bytes, has {}", what, dtype_name(dtype),
                            format_shape(shape), want, data.size()));
  }
}

double HostTensor::at(int64_t i) const {
  auto idx = static_cast<size_t>(i);
  switch (dtype) {
    case DType::Float32:
      return ptr<float>()[idx];
    case DType::Float64:
      return ptr<double>()[idx];
    case DType::Float16:
      return half_to_float(ptr<uint16_t>()[idx]);
    case DType::BFloat16:
      return bf16_to_float(ptr<uint16_t>()[idx]);
    case DType::Int8:
      return ptr<int8_t>()[idx];
    case DType::UInt8:
      return ptr<uint8_t>()[idx];
    case DType::Int16:
      return ptr<int16_t>()[idx];
    case DType::UInt16:
      return ptr<uint16_t>()[idx];
    case DType::Int32:
      return ptr<int32_t>()[idx];
    case DType::UInt32:
      return ptr<uint32_t>()[idx];
    case DType::Int64:
      return static_cast<double>(ptr<int64_t>()[idx]);
    case DType::UInt64:
      return static_cast<double>(ptr<uint64_t>()[idx]);
    case DType::Bool:
      return ptr<uint8_t>()[idx] != 0;
  }
  return 0;
}

void HostTensor::set(int64_t i, double v) {
  auto idx = static_cast<size_t>(i);
  // Integers: through int64 (wrapping into unsigned and narrow types), so every double is defined.
  int64_t n = 0;
  if (std::isfinite(v))
    n = v >= 0x1.0p63 ? INT64_MAX : v <= -0x1.0p63 ? INT64_MIN : static_cast<int64_t>(v);
  switch (dtype) {
    case DType::Float32:
      ptr<float>()[idx] = static_cast<float>(v);
      break;
    case DType::Float64:
      ptr<double>()[idx] = v;
      break;
    case DType::Float16:
      ptr<uint16_t>()[idx] = Ort::Float16_t(static_cast<float>(v)).val;
      break;
    case DType::BFloat16:
      ptr<uint16_t>()[idx] = Ort::BFloat16_t(static_cast<float>(v)).val;
      break;
    case DType::Int8:
      ptr<int8_t>()[idx] = static_cast<int8_t>(n);
      break;
    case DType::UInt8:
      ptr<uint8_t>()[idx] = static_cast<uint8_t>(n);
      break;
    case DType::Int16:
      ptr<int16_t>()[idx] = static_cast<int16_t>(n);
      break;
    case DType::UInt16:
      ptr<uint16_t>()[idx] = static_cast<uint16_t>(n);
      break;
    case DType::Int32:
      ptr<int32_t>()[idx] = static_cast<int32_t>(n);
      break;
    case DType::UInt32:
      ptr<uint32_t>()[idx] = static_cast<uint32_t>(n);
      break;
    case DType::Int64:
      ptr<int64_t>()[idx] = n;
      break;
    case DType::UInt64:
      ptr<uint64_t>()[idx] = static_cast<uint64_t>(n);
      break;
    case DType::Bool:
      ptr<uint8_t>()[idx] = v != 0;
      break;
  }
}

std::vector<double> HostTensor::to_doubles() const {
  std::vector<double> out(static_cast<size_t>(numel()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = at(static_cast<int64_t>(i));
  return out;
}

HostTensor make_tensor(std::string name, DType dtype, Shape shape,
                       const std::vector<double>& values) {
  HostTensor t(std::move(name), dtype, std::move(shape));
  if (static_cast<size_t>(t.numel()) != values.size()) {
    throw Error(fmt::format("tensor '{}': {} values for shape {}", t.name, values.size(),
                            format_shape(t.shape)));
  }
  for (size_t i = 0; i < values.size(); ++i) t.set(static_cast<int64_t>(i), values[i]);
  return t;
}

HostTensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    throw Error(fmt::format("{}: tensor '{}' keeps its data in an external file (not supported)",
                            where, proto.name()));
  }
  if (proto.has_segment())
    throw Error(fmt::format("{}: segmented tensors are not supported", where));
  HostTensor t;
  t.name = proto.name();
  t.dtype = dtype_from_onnx(proto.data_type(), where);
  for (int64_t d : proto.dims()) {
    if (d < 0)
      throw Error(
          fmt::format("{}: tensor '{}' has a negative dimension {}", where, proto.name(), d));
    t.shape.push_back(d);
  }
  if (t.shape.size() > 32)
    throw Error(
        fmt::format("{}: tensor '{}' has {} dimensions", where, proto.name(), t.shape.size()));
  check_tensor_size(t.shape, dtype_size(t.dtype), fmt::format("{}: tensor '{}'", where, proto.name()));
  int64_t count = 0;
  try {
    count = shape_numel(t.shape, kMaxTensorBytes);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", where, e.what()));
  }
  if (proto.has_raw_data()) {
    t.data = proto.raw_data();
  } else {
    switch (t.dtype) {
      case DType::Float32:
        copy_typed(proto.float_data(), t);
        break;
      case DType::Float64:
        copy_typed(proto.double_data(), t);
        break;
      case DType::Int64:
        copy_typed(proto.int64_data(), t);
        break;
      case DType::UInt32: {
        t.data.resize(4 * static_cast<size_t>(proto.uint64_data_size()));
        for (int i = 0; i < proto.uint64_data_size(); ++i)
          t.ptr<uint32_t>()[i] = static_cast<uint32_t>(proto.uint64_data(i));
        break;
      }
      case DType::UInt64:
        copy_typed(proto.uint64_data(), t);
        break;
      default:
        copy_from_int32(proto.int32_data(), t);
        break;
    }
  }
  size_t want = static_cast<size_t>(count) * dtype_size(t.dtype);
  if (t.data.size() != want) {
    throw Error(fmt::format("{}: tensor '{}' {} {} needs {} bytes of data, has {}", where,
                            proto.name(), dtype_name(t.dtype), format_shape(t.shape), want,
                            t.data.size()));
  }
  return t;
}

void tensor_to_proto(const HostTensor& tensor, onnx::TensorProto* proto) {
  tensor.check(tensor.name.empty() ? "tensor" : "tensor '" + tensor.name + "'");
  proto->Clear();
  proto->set_name(tensor.name);
  proto->set_data_type(static_cast<int32_t>(tensor.dtype));
  for (int64_t d : tensor.shape) proto->add_dims(d);
  proto->set_raw_data(tensor.data);
}

HostTensor read_tensor_pb(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > static_cast<uintmax_t>(kMaxTensorBytes)) {
    throw Error(fmt::format("{}: too large for a tensor file ({} bytes)", path.string(), size));
  }
  std::string bytes = read_file(path);
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    throw Error(fmt::format("{}: not a TensorProto (.pb) file", path.string()));
  }
  if (proto.data_type() == onnx::TensorProto::UNDEFINED) {
    throw Error(fmt::format("{}: not a TensorProto (.pb) file (no element type)", path.string()));
  }
  return tensor_from_proto(proto, path.string());
}

void write_tensor_pb(const HostTensor& tensor, const std::filesystem::path& path) {
  onnx::TensorProto proto;
  tensor_to_proto(tensor, &proto);
  write_file_atomic(path, proto.SerializeAsString());
}

namespace {

Ort::MemoryInfo& cpu_memory() {
  static Ort::MemoryInfo info = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  return info;
}

}  // namespace

Ort::Value to_ort_value(const HostTensor& tensor) {
  tensor.check(fmt::format("input '{}'", tensor.name));
  Ort::AllocatorWithDefaultOptions alloc;
  auto value = Ort::Value::CreateTensor(alloc, tensor.shape.data(), tensor.shape.size(),
                                        static_cast<ONNXTensorElementDataType>(tensor.dtype));
  if (!tensor.data.empty())
    std::memcpy(value.GetTensorMutableRawData(), tensor.data.data(), tensor.data.size());
  return value;
}

Ort::Value ort_value_view(HostTensor& tensor) {
  tensor.check(fmt::format("input '{}'", tensor.name));
  return Ort::Value::CreateTensor(cpu_memory(), tensor.data.data(), tensor.data.size(),
                                  tensor.shape.data(), tensor.shape.size(),
                                  static_cast<ONNXTensorElementDataType>(tensor.dtype));
}

HostTensor from_ort_value(const Ort::Value& value, std::string name) {
  return view_of(value, std::move(name)).copy();
}

}  // namespace kiln
