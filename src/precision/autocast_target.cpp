#include "precision/autocast_target.h"

#include <ATen/autocast_mode.h>

namespace kiln {

namespace {

// Enables CPU autocast for its lifetime and restores the previous state (and drops autocast's
// weight-cast cache, so no lower-precision copies outlive the call).
class AutocastGuard {
 public:
  explicit AutocastGuard(AutocastDType dtype)
      : was_enabled_(at::autocast::is_autocast_enabled(at::kCPU)), old_dtype_(at::autocast::get_autocast_dtype(at::kCPU)) {
    at::autocast::set_autocast_dtype(at::kCPU, dtype == AutocastDType::BFloat16 ? at::kBFloat16 : at::kHalf);
    at::autocast::set_autocast_enabled(at::kCPU, true);
  }
  ~AutocastGuard() {
    at::autocast::set_autocast_enabled(at::kCPU, was_enabled_);
    at::autocast::set_autocast_dtype(at::kCPU, old_dtype_);
    at::autocast::clear_cache();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool was_enabled_;
  at::ScalarType old_dtype_;
};

}  // namespace

AutocastTarget::AutocastTarget(std::unique_ptr<BenchTarget> inner, AutocastDType dtype)
    : inner_(std::move(inner)), dtype_(dtype) {}

void AutocastTarget::prepare(const std::vector<HostTensor>& inputs) {
  AutocastGuard guard(dtype_);
  inner_->prepare(inputs);
}

void AutocastTarget::run() {
  AutocastGuard guard(dtype_);
  inner_->run();
}

HostTensor AutocastTarget::infer(const HostTensor& input) {
  AutocastGuard guard(dtype_);
  HostTensor out = inner_->infer(input);
  if (out.dtype == DType::BFloat16 || out.dtype == DType::Float16) {
    // Report logits as float32 so differences are computed in one type.
    HostTensor f(out.name, DType::Float32, out.shape);
    for (int64_t i = 0; i < out.numel(); ++i) f.set(i, out.at(i));
    return f;
  }
  return out;
}

}  // namespace kiln
