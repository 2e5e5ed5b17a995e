// The LibTorch side of runtime/torchscript_engine.h (linked into kiln-torch and the integration
// tests as an object, so that kiln_core's references always find it).
#include "runtime/torchscript_engine.h"

#include "bench/torch_target.h"
#include "runtime/torch_runner.h"

namespace kiln {

std::unique_ptr<ModelRunner> open_torchscript_runner(const std::filesystem::path& path) {
  return std::make_unique<TorchRunner>(path);
}

std::unique_ptr<BenchTarget> open_torchscript_bench_target(const std::filesystem::path& path) {
  return std::make_unique<TorchTarget>(path);
}

}  // namespace kiln
