#pragma once
// ModelRunner over a TorchScript module (LibTorch), and HostTensor ↔ at::Tensor.
#include <memory>

#include "runtime/model_runner.h"

namespace at {
class Tensor;
}

namespace kiln {

class TorchRunner : public ModelRunner {
 public:
  explicit TorchRunner(const std::filesystem::path& path);
  ~TorchRunner() override;
  std::string engine() const override { return "libtorch"; }
  std::optional<Shape> input_shape() const override { return std::nullopt; }
  std::vector<HostTensor> run(const std::vector<HostTensor>& inputs) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

at::Tensor to_torch(const HostTensor& t);
HostTensor from_torch(const at::Tensor& t, std::string name);

}  // namespace kiln
