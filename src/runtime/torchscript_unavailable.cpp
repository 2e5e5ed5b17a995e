// runtime/torchscript_engine.h (and diff/torchscript_values.h) in a process without LibTorch: the
// LibTorch-free `kiln` hands TorchScript work to kiln-torch before it reaches these, so they are a
// one-line error, not a crash, if a path ever gets here.
#include <fmt/format.h>

#include "common/error.h"
#include "diff/torchscript_values.h"
#include "runtime/torchscript_engine.h"

namespace kiln {

namespace {

[[noreturn]] void no_libtorch(const std::filesystem::path& path) {
  throw Error(
      fmt::format("{}: a TorchScript model needs LibTorch, which this process has not "
                  "loaded (run it with kiln-torch)",
                  path.string()));
}

}  // namespace

std::unique_ptr<ModelRunner> open_torchscript_runner(const std::filesystem::path& path) {
  no_libtorch(path);
}

std::unique_ptr<BenchTarget> open_torchscript_bench_target(const std::filesystem::path& path) {
  no_libtorch(path);
}

std::unique_ptr<ReferenceValues> open_torchscript_values(const std::filesystem::path& model,
                                                         const std::vector<InputSpec>&) {
  no_libtorch(model);
}

}  // namespace kiln
