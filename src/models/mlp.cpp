#include "models/mlp.h"

#include <torch/nn/modules/linear.h>

namespace kiln {

namespace {

namespace nn = torch::nn;

struct MlpImpl : nn::Module {
  nn::Linear fc1{784, 256};
  nn::Linear fc2{256, 128};
  nn::Linear fc3{128, 10};

  MlpImpl() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    register_module("fc3", fc3);
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto h = torch::relu(fc1(x.flatten(1)));
    h = torch::relu(fc2(h));
    return fc3(h);
  }
};

class Mlp : public ZooModel {
 public:
  std::string name() const override { return "mlp"; }
  nn::Module& module() override { return impl_; }
  torch::Tensor forward(const torch::Tensor& x) override { return impl_.forward(x); }
  std::string script_source() const override {
    return R"(
def forward(self, x):
    h = torch.relu(torch.linear(torch.flatten(x, 1), self.fc1.weight, self.fc1.bias))
    h = torch.relu(torch.linear(h, self.fc2.weight, self.fc2.bias))
    return torch.linear(h, self.fc3.weight, self.fc3.bias)
)";
  }

 private:
  MlpImpl impl_;
};

}  // namespace

std::unique_ptr<ZooModel> make_mlp() {
  return std::make_unique<Mlp>();
}

}  // namespace kiln
