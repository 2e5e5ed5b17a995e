#pragma once
// Freezing by tracing, from C++: run the forward once on an example input with LibTorch's tracer
// recording every op, then attach the recorded graph as `forward` of a module that holds the same
// parameters. Control flow is not recorded: only the branch the example took survives.
#include <functional>
#include <string>
#include <vector>

#include <torch/csrc/jit/api/module.h>
#include <torch/types.h>

namespace kiln {

struct TraceResult {
  torch::jit::Module module;
  std::vector<std::string> warnings;  // the tracer's own warnings
};

// `self` holds the parameters (copy_structure); `forward` computes with those same tensors.
TraceResult trace_module(torch::jit::Module self, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                         const torch::Tensor& example);

}  // namespace kiln
