#pragma once
// BenchTarget over a TorchScript module (LibTorch). The input is kept as an at::Tensor inside
// an IValue list so run() is module.forward() under InferenceMode and nothing else.
// LibTorch headers stay in the .cpp.
#include <filesystem>
#include <memory>

#include "bench/bench_target.h"

namespace kiln {

class TorchTarget : public BenchTarget {
 public:
  explicit TorchTarget(const std::filesystem::path& path);
  ~TorchTarget() override;
  std::string engine() const override { return "libtorch"; }
  std::optional<Shape> input_shape() const override { return std::nullopt; }
  void prepare(const std::vector<HostTensor>& inputs) override;
  void run() override;
  HostTensor infer(const HostTensor& input) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// LibTorch's intra-op thread count (at::get_num_threads) and a setter for --threads.
int torch_threads();
void set_torch_threads(int threads);

}  // namespace kiln
