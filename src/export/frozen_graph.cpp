#include "export/frozen_graph.h"

#include <algorithm>

#include <fmt/format.h>
#include <torch/csrc/jit/runtime/graph_iterator.h>
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

namespace {

// The dtype aten::full gives a run-time fill value when no dtype is named: a number's own kind,
// or for a Scalar read from a tensor (aten::ScalarImplicit), that tensor's (floating → float32).
std::optional<at::ScalarType> fill_dtype(const torch::jit::Value* fill) {
  if (torch::jit::toIValue(fill)) return std::nullopt;  // a constant: already typed right
  const auto& type = fill->type();
  if (type->cast<c10::FloatType>()) return at::kFloat;
  if (type->cast<c10::IntType>()) return at::kLong;
  if (type->cast<c10::BoolType>()) return at::kBool;
  if (fill->node()->kind() != c10::aten::ScalarImplicit) return std::nullopt;
  auto tensor = fill->node()->input(0)->type()->cast<c10::TensorType>();
  std::optional<at::ScalarType> scalar = tensor ? tensor->scalarType() : std::nullopt;
  if (!scalar) return std::nullopt;
  at::ScalarType t = *scalar;
  if (t == at::kBool) return at::kBool;
  return at::isFloatingType(t) ? at::kFloat : at::kLong;
}

// LibTorch's (legacy) shape analysis: ranks and dtypes of the example through the graph. It also
// rewrites the graph for the example it was given: an aten::expand to the example's sizes before
// the operands of comparisons and min/max that broadcast, and a view's -1 replaced by the
// example's size, in the int-list constant itself (a c10::List shares its storage with the
// constant it was read from). Either would bake the example's batch into the export. So the pass
// reads copies of the int-list constants, every node gets its own inputs back afterwards, and
// what the pass inserted is dropped: only the types it computed are kept.
//
// It also indexes sizes with aten::chunk's dim as given, and a negative one writes before the
// vector (heap corruption, then an abort): the pass reads dim 0 there, which gives the outputs
// the right rank and dtype (their sizes are not read).
void propagate_shapes(std::shared_ptr<torch::jit::Graph>& graph) {
  std::vector<std::pair<torch::jit::Node*, std::vector<torch::jit::Value*>>> inputs;
  for (torch::jit::DepthFirstGraphNodeIterator it(graph); torch::jit::Node* n = it.next();) {
    inputs.emplace_back(n, std::vector<torch::jit::Value*>(n->inputs().begin(), n->inputs().end()));
  }
  for (auto& [n, before] : inputs) {
    torch::jit::WithInsertPoint guard(n);
    for (size_t i = 0; i < before.size(); ++i) {
      auto list = before[i]->node()->kind() == c10::prim::Constant ? torch::jit::toIValue(before[i]) : std::nullopt;
      if (list && list->isIntList()) n->replaceInput(i, graph->insertConstant(c10::IValue(list->toIntVector())));
    }
    if (n->kind() == c10::aten::chunk && before.size() == 3) {
      auto dim = torch::jit::constant_as<int64_t>(before[2]);
      if (dim && *dim < 0) n->replaceInput(2, graph->insertConstant(int64_t{0}));
    }
  }
  try {
    torch::jit::PropagateInputShapes(graph);
  } catch (const std::exception&) {
    // partial type information is still useful; what failed stays unknown
  }
  for (auto& [n, before] : inputs) {
    if (std::equal(n->inputs().begin(), n->inputs().end(), before.begin(), before.end())) continue;
    n->removeAllInputs();
    for (torch::jit::Value* v : before) n->addInput(v);
  }
  torch::jit::EliminateDeadCode(graph);
}

}  // namespace

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
  propagate_shapes(graph);
  // aten::full without a dtype takes it from its fill value (a float → float32, an int → int64),
  // and LibTorch's shape analysis types a run-time `Scalar` fill as double instead: the nodes
  // after it would be typed float64. The dtype the fill gives is written in, and the shapes
  // propagated again.
  bool typed_fills = false;
  for (torch::jit::DepthFirstGraphNodeIterator it(graph); torch::jit::Node* n = it.next();) {
    if (n->kind() != c10::aten::full || n->inputs().size() != 6 || !n->input(2)->type()->cast<c10::NoneType>()) continue;
    if (auto dtype = fill_dtype(n->input(1))) {
      torch::jit::WithInsertPoint guard(n);
      n->replaceInput(2, graph->insertConstant(static_cast<int64_t>(*dtype)));
      typed_fills = true;
    }
  }
  if (typed_fills) propagate_shapes(graph);
  torch::jit::EliminateDeadCode(graph);
  out.graph = graph;
  return out;
}

}  // namespace kiln
