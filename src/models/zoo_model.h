#pragma once
// A built-in model: an eager LibTorch nn::Module plus the TorchScript source of the same forward,
// so kiln can freeze it both by tracing (the eager forward) and by scripting (the source, which
// keeps control flow). Includes LibTorch: include only from LibTorch translation units.
#include <optional>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

namespace kiln {

class ZooModel {
 public:
  virtual ~ZooModel() = default;
  virtual std::string name() const = 0;
  // The eager module (owns the parameters and buffers).
  virtual torch::nn::Module& module() = 0;
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // TorchScript source of `forward`, reading parameters as self.<submodule>.<name>
  // with the same names as module().named_parameters()/named_buffers().
  virtual std::string script_source() const = 0;
  // For models with a data-dependent branch: which branch `x` takes (else nullopt).
  virtual std::optional<std::string> branch_taken(const torch::Tensor& /*x*/) const { return std::nullopt; }
  // Shape of one sample, batch first (batch = 1).
  virtual std::vector<int64_t> input_shape() const { return {1, 1, 28, 28}; }
};

}  // namespace kiln
