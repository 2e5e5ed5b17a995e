#include "torchscript/script.h"

#include <fmt/format.h>
#include <torch/script.h>

#include "common/error.h"

namespace kiln {

torch::jit::Module script_module(torch::jit::Module self, const std::string& forward_source) {
  try {
    self.define(forward_source);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("TorchScript compilation failed: {}", first_line(e.what_without_backtrace())));
  } catch (const std::exception& e) {
    throw Error(fmt::format("TorchScript compilation failed: {}", first_line(e.what())));
  }
  self.eval();
  return self;
}

}  // namespace kiln
