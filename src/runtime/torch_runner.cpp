#include "runtime/torch_runner.h"

#include <cstring>

#include <fmt/format.h>
#include <torch/script.h>

#include "common/error.h"
#include "torchscript/torch_runtime.h"

namespace kiln {

namespace {

at::ScalarType torch_dtype(DType d) {
  switch (d) {
    case DType::Float32: return at::kFloat;
    case DType::Float64: return at::kDouble;
    case DType::Float16: return at::kHalf;
    case DType::BFloat16: return at::kBFloat16;
    case DType::Int64: return at::kLong;
    case DType::Int32: return at::kInt;
    case DType::Int16: return at::kShort;
    case DType::Int8: return at::kChar;
    case DType::UInt8: return at::kByte;
    case DType::Bool: return at::kBool;
    default: throw Error(fmt::format("{} tensors cannot be passed to LibTorch", dtype_name(d)));
  }
}

DType kiln_dtype(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return DType::Float32;
    case at::kDouble: return DType::Float64;
    case at::kHalf: return DType::Float16;
    case at::kBFloat16: return DType::BFloat16;
    case at::kLong: return DType::Int64;
    case at::kInt: return DType::Int32;
    case at::kShort: return DType::Int16;
    case at::kChar: return DType::Int8;
    case at::kByte: return DType::UInt8;
    case at::kBool: return DType::Bool;
    default: throw Error(fmt::format("LibTorch output dtype {} is not supported", c10::toString(t)));
  }
}

}  // namespace

at::Tensor to_torch(const HostTensor& t) {
  t.check(t.name);
  return torch::from_blob(const_cast<char*>(t.data.data()), t.shape, torch_dtype(t.dtype)).clone();
}

HostTensor from_torch(const at::Tensor& tensor, std::string name) {
  auto c = tensor.detach().contiguous().cpu();
  HostTensor h(std::move(name), kiln_dtype(c.scalar_type()), c.sizes().vec());
  std::memcpy(h.data.data(), c.data_ptr(), h.data.size());
  return h;
}

struct TorchRunner::Impl {
  torch::jit::Module module;
};

TorchRunner::TorchRunner(const std::filesystem::path& path) : ModelRunner(path), impl_(std::make_unique<Impl>()) {
  impl_->module = load_torchscript(path);
}

TorchRunner::~TorchRunner() = default;

// Inputs in forward's order; outputs named as `kiln export` names them (output, output_0, dict
// keys), so they line up with the exported model's by name.
std::vector<HostTensor> TorchRunner::run(const std::vector<HostTensor>& inputs) {
  if (inputs.empty()) throw Error(fmt::format("{}: no inputs given", path().string()));
  torch::NoGradGuard no_grad;
  ReferenceKernels reference_kernels;
  std::vector<c10::IValue> args;
  for (const auto& t : inputs) args.emplace_back(to_torch(t));
  c10::IValue out;
  std::string shapes;
  for (const auto& t : inputs) shapes += (shapes.empty() ? "" : ", ") + format_shape(t.shape);
  const char* what = inputs.size() == 1 ? "input shape" : "input shapes";
  try {
    out = impl_->module.forward(args);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("the model rejects {} {}: {}", what, shapes, torch_error_summary(e.what_without_backtrace())));
  } catch (const std::exception& e) {
    throw Error(fmt::format("the model rejects {} {}: {}", what, shapes, torch_error_summary(e.what())));
  }
  std::vector<HostTensor> result;
  for (auto& [name, t] : named_outputs(out)) result.push_back(from_torch(t, name));
  return result;
}

}  // namespace kiln
