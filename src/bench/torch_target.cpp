#include "bench/torch_target.h"

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/script.h>

#include "common/error.h"
#include "runtime/torch_runner.h"
#include "torchscript/torch_runtime.h"

namespace kiln {

struct TorchTarget::Impl {
  std::filesystem::path path;
  torch::jit::Module module;
  std::vector<c10::IValue> inputs;
  c10::IValue output;  // kept so freeing it is not inside the next timed run
};

TorchTarget::TorchTarget(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->module = load_torchscript(path);
}

TorchTarget::~TorchTarget() = default;

void TorchTarget::prepare(const std::vector<HostTensor>& inputs) {
  impl_->inputs.clear();
  for (const auto& t : inputs) impl_->inputs.emplace_back(to_torch(t));
  impl_->output = c10::IValue();
  // One checked run: a wrong shape fails here with a readable message, not in the timed loop.
  c10::InferenceMode guard;
  if (inputs.size() == 1) {
    run_forward(impl_->module, impl_->inputs[0].toTensor());
    return;
  }
  try {
    impl_->module.forward(impl_->inputs);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("{}: the model rejects its inputs: {}", impl_->path.string(),
                            torch_error_summary(e.what_without_backtrace())));
  }
}

void TorchTarget::run() {
  c10::InferenceMode guard;
  try {
    impl_->output = impl_->module.forward(impl_->inputs);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("{}: {}", impl_->path.string(), torch_error_summary(e.what_without_backtrace())));
  }
}

HostTensor TorchTarget::infer(const HostTensor& input) {
  c10::InferenceMode guard;
  return from_torch(run_forward(impl_->module, to_torch(input)), "output");
}

int torch_threads() {
  return at::get_num_threads();
}

void set_torch_threads(int threads) {
  if (threads > 0) at::set_num_threads(threads);
}

}  // namespace kiln
