#pragma once
// The graph kiln exports: the module frozen (parameters become constants, methods inlined),
// dropout removed, simple tuples lowered, constants propagated, and the example's ranks and
// dtypes propagated. One function, so `kiln diff` runs the very graph whose values the export
// report's value-to-tensor map indexes.
#include <memory>
#include <vector>

#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include "runtime/input_spec.h"

namespace kiln {

// Example inputs: the same seeded tensors `kiln compare` feeds (runtime/input_spec.h: normal
// floats, ints in [0, 10), random bools), so an export is reproducible.
std::vector<c10::IValue> example_inputs(const std::vector<InputSpec>& specs, bool second,
                                        uint64_t seed);

struct FrozenGraph {
  torch::jit::Module module;  // the frozen module (its object is the graph's `self`)
  std::shared_ptr<torch::jit::Graph> graph;
};

// Throws kiln::Error when the module cannot be frozen.
FrozenGraph freeze_for_export(torch::jit::Module& module, const std::vector<c10::IValue>& example);

}  // namespace kiln
