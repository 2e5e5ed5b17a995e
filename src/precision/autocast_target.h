#pragma once
// A BenchTarget that runs another (LibTorch) target under CPU autocast in bfloat16 or float16:
// the seminar's `with torch.autocast(...)` from C++. Ops that autocast lists run in the lower
// precision; the model file itself stays FP32.
#include <memory>
#include <string>

#include "bench/bench_target.h"

namespace kiln {

enum class AutocastDType { BFloat16, Float16 };

class AutocastTarget : public BenchTarget {
 public:
  AutocastTarget(std::unique_ptr<BenchTarget> inner, AutocastDType dtype);
  std::string engine() const override { return inner_->engine(); }
  std::optional<Shape> input_shape() const override { return inner_->input_shape(); }
  void prepare(const std::vector<HostTensor>& inputs) override;
  void run() override;
  HostTensor infer(const HostTensor& input) override;

 private:
  std::unique_ptr<BenchTarget> inner_;
  AutocastDType dtype_;
};

}  // namespace kiln
