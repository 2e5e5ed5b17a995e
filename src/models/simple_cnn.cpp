#include "models/simple_cnn.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/functional/pooling.h>

namespace kiln {

namespace {

namespace nn = torch::nn;

struct SimpleCnnImpl : nn::Module {
  nn::Conv2d conv1{nn::Conv2dOptions(1, 32, 3)};
  nn::BatchNorm2d bn1{32};
  nn::Conv2d conv2{nn::Conv2dOptions(32, 64, 3)};
  nn::BatchNorm2d bn2{64};
  // Half the seminar's dropout (0.25, 0.5): with 3 epochs the net underfits rather than
  // overfits, and the lighter dropout reaches ≥ 99.1% where the seminar's stopped at 98.99–99.09%
  // (bench/RESULTS.md, training).
  nn::Dropout drop1{0.125};
  nn::Linear fc1{9216, 128};
  nn::Dropout drop2{0.25};
  nn::Linear fc2{128, 10};

  SimpleCnnImpl() {
    register_module("conv1", conv1);
    register_module("bn1", bn1);
    register_module("conv2", conv2);
    register_module("bn2", bn2);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    register_module("drop1", drop1);
    register_module("drop2", drop2);
  }

  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(bn1(conv1(x)));
    x = torch::relu(bn2(conv2(x)));
    x = torch::max_pool2d(x, 2);
    x = drop1(x).flatten(1);
    x = drop2(torch::relu(fc1(x)));
    return fc2(x);
  }
};

class SimpleCnn : public ZooModel {
 public:
  std::string name() const override { return "simple_cnn"; }
  nn::Module& module() override { return impl_; }
  torch::Tensor forward(const torch::Tensor& x) override { return impl_.forward(x); }
  std::string script_source() const override {
    // The same computation written with TorchScript builtins; batch_norm's `training` flag and
    // dropout follow self.training like the eager modules do.
    return R"(
def forward(self, x):
    x = torch.conv2d(x, self.conv1.weight, self.conv1.bias, [1, 1], [0, 0], [1, 1], 1)
    x = torch.batch_norm(x, self.bn1.weight, self.bn1.bias, self.bn1.running_mean, self.bn1.running_var, self.training, 0.1, 1e-05, False)
    x = torch.relu(x)
    x = torch.conv2d(x, self.conv2.weight, self.conv2.bias, [1, 1], [0, 0], [1, 1], 1)
    x = torch.batch_norm(x, self.bn2.weight, self.bn2.bias, self.bn2.running_mean, self.bn2.running_var, self.training, 0.1, 1e-05, False)
    x = torch.relu(x)
    x = torch.max_pool2d(x, [2, 2], [2, 2], [0, 0], [1, 1], False)
    x = torch.dropout(x, 0.125, self.training)
    x = torch.flatten(x, 1)
    x = torch.relu(torch.linear(x, self.fc1.weight, self.fc1.bias))
    x = torch.dropout(x, 0.25, self.training)
    return torch.linear(x, self.fc2.weight, self.fc2.bias)
)";
  }

 private:
  SimpleCnnImpl impl_;
};

}  // namespace

std::unique_ptr<ZooModel> make_simple_cnn() { return std::make_unique<SimpleCnn>(); }

}  // namespace kiln
