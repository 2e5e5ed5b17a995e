#pragma once
// Freezing by scripting, from C++: compile TorchScript source for `forward` onto a module holding
// the parameters. The compiler keeps control flow (an `if` on data stays an `if`).
#include <string>

#include <torch/csrc/jit/api/module.h>

namespace kiln {

torch::jit::Module script_module(torch::jit::Module self, const std::string& forward_source);

}  // namespace kiln
