#include "torchscript/widen_to_float64.h"

#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/jit/runtime/graph_iterator.h>

namespace kiln {

namespace {

bool is_float32_dtype(const torch::jit::Value* v) {
  if (v->node()->kind() != c10::prim::Constant) return false;
  auto iv = torch::jit::toIValue(v);
  return iv && iv->isInt() && iv->toInt() == static_cast<int64_t>(at::kFloat);
}

bool is_float32_constant_tensor(const torch::jit::Node* n) {
  if (n->kind() != c10::prim::Constant || n->outputs().size() != 1 ||
      n->output()->type()->kind() != c10::TypeKind::TensorType)
    return false;
  auto iv = torch::jit::toIValue(n->output());
  return iv && iv->isTensor() && iv->toTensor().scalar_type() == at::kFloat;
}

// Only arguments the schema calls dtype: the same constant 6 may be a size elsewhere.
int widen_dtype_arguments(torch::jit::Node* n) {
  const auto* schema = n->maybeSchema();
  if (schema == nullptr) return 0;
  int rewritten = 0;
  for (size_t i = 0; i < schema->arguments().size() && i < n->inputs().size(); ++i) {
    if (schema->arguments()[i].name() != "dtype" || !is_float32_dtype(n->input(i))) continue;
    torch::jit::WithInsertPoint guard(n);
    n->replaceInput(i, n->owningGraph()->insertConstant(static_cast<int64_t>(at::kDouble)));
    ++rewritten;
  }
  return rewritten;
}

int widen_block(torch::jit::Block* block) {
  int rewritten = 0;
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    torch::jit::Node* n = *it++;  // (a replaced constant is destroyed)
    for (torch::jit::Block* b : n->blocks()) rewritten += widen_block(b);
    if (auto iv = is_float32_constant_tensor(n) ? torch::jit::toIValue(n->output()) : std::nullopt) {
      torch::jit::WithInsertPoint guard(n);
      torch::jit::Value* wide = n->owningGraph()->insertConstant(iv->toTensor().to(at::kDouble));
      n->output()->replaceAllUsesWith(wide);
      n->destroy();
      ++rewritten;
      continue;
    }
    rewritten += widen_dtype_arguments(n);
  }
  return rewritten;
}

// Each use of a float32 constant tensor reads `aten::to(constant, float64)` computed just before
// the node that uses it (not beside the constant: frozen graphs pool constants at the top, and
// every cast would run first and live through the whole forward).
int cast_constants_where_used(std::shared_ptr<torch::jit::Graph> graph) {
  std::vector<torch::jit::Node*> constants;
  for (torch::jit::DepthFirstGraphNodeIterator it(graph); torch::jit::Node* n = it.next();)
    if (is_float32_constant_tensor(n)) constants.push_back(n);
  int casts = 0;
  for (torch::jit::Node* c : constants) {
    const std::vector<torch::jit::Use> uses = c->output()->uses();  // (a copy: the loop adds none)
    for (const torch::jit::Use& use : uses) {
      torch::jit::WithInsertPoint guard(use.user);
      torch::jit::Value* wide = graph->insert(
          c10::aten::to, {c->output(), static_cast<int64_t>(at::kDouble), false, false});
      use.user->replaceInput(use.offset, wide);
      ++casts;
    }
  }
  for (torch::jit::DepthFirstGraphNodeIterator it(graph); torch::jit::Node* n = it.next();)
    widen_dtype_arguments(n);
  return casts;
}

}  // namespace

int widen_to_float64(torch::jit::Module& m) {
  m.to(at::kDouble);
  int rewritten = 0;
  for (const auto& sub : m.modules())
    for (const auto& method : sub.get_methods()) rewritten += widen_block(method.graph()->block());
  return rewritten;
}

Float64Model::Float64Model(torch::jit::Module loaded) {
  loaded.eval();
  try {
    module_ = torch::jit::freeze_module(loaded);
  } catch (const c10::Error&) {
    widen_to_float64(loaded);
    module_ = std::move(loaded);
    return;
  }
  loaded = torch::jit::Module();  // the frozen graph's constants hold the weights from here on
  frozen_ = true;
  // What freezing left as attributes (those forward mutates) is converted where it is.
  for (const auto& attribute : module_.named_attributes(/*recurse=*/true)) {
    if (!attribute.value.isTensor()) continue;
    at::Tensor t = attribute.value.toTensor();
    if (t.scalar_type() == at::kFloat) t.set_data(t.to(at::kDouble));
  }
  for (const auto& sub : module_.modules())
    for (const auto& method : sub.get_methods())
      casts_ += cast_constants_where_used(method.graph());
}

c10::IValue Float64Model::forward(std::vector<c10::IValue> inputs) {
  torch::jit::GraphOptimizerEnabledGuard no_constant_folding(false);
  return module_.forward(std::move(inputs));
}

}  // namespace kiln
