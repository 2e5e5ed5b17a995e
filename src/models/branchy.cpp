#include "models/branchy.h"

#include <torch/nn/functional/pooling.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

namespace kiln {

namespace {

namespace nn = torch::nn;

struct BranchyImpl : nn::Module {
  nn::Conv2d conv{nn::Conv2dOptions(1, 16, 3).stride(2)};  // 28→13
  nn::Linear head_conv{16 * 13 * 13, 10};
  nn::Linear fc1{784, 128};
  nn::Linear fc2{128, 10};

  BranchyImpl() {
    register_module("conv", conv);
    register_module("head_conv", head_conv);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }

  static bool positive(const torch::Tensor& x) { return x.mean().item<double>() > 0.0; }

  torch::Tensor forward(const torch::Tensor& x) {
    if (positive(x)) return head_conv(torch::relu(conv(x)).flatten(1));
    return fc2(torch::relu(fc1(x.flatten(1))));
  }
};

class Branchy : public ZooModel {
 public:
  std::string name() const override { return "branchy"; }
  nn::Module& module() override { return impl_; }
  torch::Tensor forward(const torch::Tensor& x) override { return impl_.forward(x); }
  std::string script_source() const override {
    return R"(
def forward(self, x):
    if bool(torch.mean(x) > 0.0):
        y = torch.relu(torch.conv2d(x, self.conv.weight, self.conv.bias, [2, 2], [0, 0], [1, 1], 1))
        return torch.linear(torch.flatten(y, 1), self.head_conv.weight, self.head_conv.bias)
    else:
        h = torch.relu(torch.linear(torch.flatten(x, 1), self.fc1.weight, self.fc1.bias))
        return torch.linear(h, self.fc2.weight, self.fc2.bias)
)";
  }
  std::optional<std::string> branch_taken(const torch::Tensor& x) const override {
    return BranchyImpl::positive(x) ? "conv (mean > 0)" : "dense (mean <= 0)";
  }

 private:
  BranchyImpl impl_;
};

}  // namespace

std::unique_ptr<ZooModel> make_branchy() {
  return std::make_unique<Branchy>();
}

}  // namespace kiln
