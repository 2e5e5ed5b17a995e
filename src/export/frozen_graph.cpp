#include "export/frozen_graph.h"

#include <fmt/format.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/lower_tuples.h>
#include <torch/csrc/jit/passes/remove_dropout.h>
#include <torch/csrc/jit/passes/shape_analysis.h>

#include "common/error.h"
#include "runtime/torch_runner.h"

namespace kiln {

std::vector<c10::IValue> example_inputs(const std::vector<InputSpec>& specs, bool second,
                                        uint64_t seed) {
  std::vector<c10::IValue> out;
  for (const auto& t : random_inputs_for(specs, second, seed)) out.emplace_back(to_torch(t));
  return out;
}

FrozenGraph freeze_for_export(torch::jit::Module& module, const std::vector<c10::IValue>& example) {
  module.eval();
  FrozenGraph out;
  try {
    out.module = torch::jit::freeze_module(module);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("cannot freeze the module: {}", first_line(e.what_without_backtrace())));
  }
  auto graph = out.module.get_method("forward").graph()->copy();
  torch::jit::Inline(*graph);
  torch::jit::removeDropout(graph);
  torch::jit::LowerSimpleTuples(graph);
  torch::jit::ConstantPropagation(graph);
  torch::jit::EliminateDeadCode(graph);
  // Ranks and dtypes of the example through the graph: scripted graphs carry bare `Tensor`
  // types, and converters need ranks (aten::dim, negative axes) and dtypes (promotion). Sizes
  // recorded here are the example's and are never read as static (dims come from ONNX).
  size_t k = 0;
  for (torch::jit::Value* v : graph->inputs()) {
    if (v->type()->cast<c10::ClassType>()) continue;
    if (k < example.size() && example[k].isTensor()) v->setType(c10::TensorType::create(example[k].toTensor()));
    ++k;
  }
  try {
    torch::jit::PropagateInputShapes(graph);
  } catch (const std::exception&) {
    // partial type information is still useful; what failed stays unknown
  }
  out.graph = graph;
  return out;
}

}  // namespace kiln
