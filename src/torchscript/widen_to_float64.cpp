#include "torchscript/widen_to_float64.h"

#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

namespace kiln {

namespace {

bool is_float32_dtype(const torch::jit::Value* v) {
  if (v->node()->kind() != c10::prim::Constant) return false;
  auto iv = torch::jit::toIValue(v);
  return iv && iv->isInt() && iv->toInt() == static_cast<int64_t>(at::kFloat);
}

int widen_block(torch::jit::Block* block) {
  int rewritten = 0;
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    torch::jit::Node* n = *it++;  // (a replaced constant is destroyed)
    for (torch::jit::Block* b : n->blocks()) rewritten += widen_block(b);
    if (n->kind() == c10::prim::Constant && n->outputs().size() == 1 && n->output()->type()->kind() == c10::TypeKind::TensorType) {
      auto iv = torch::jit::toIValue(n->output());
      if (iv && iv->isTensor() && iv->toTensor().scalar_type() == at::kFloat) {
        torch::jit::WithInsertPoint guard(n);
        torch::jit::Value* wide = n->owningGraph()->insertConstant(iv->toTensor().to(at::kDouble));
        n->output()->replaceAllUsesWith(wide);
        n->destroy();
        ++rewritten;
      }
      continue;
    }
    const auto* schema = n->maybeSchema();
    if (schema == nullptr) continue;
    // Only arguments the schema calls dtype: the same constant 6 may be a size elsewhere.
    for (size_t i = 0; i < schema->arguments().size() && i < n->inputs().size(); ++i) {
      if (schema->arguments()[i].name() != "dtype" || !is_float32_dtype(n->input(i))) continue;
      torch::jit::WithInsertPoint guard(n);
      n->replaceInput(i, n->owningGraph()->insertConstant(static_cast<int64_t>(at::kDouble)));
      ++rewritten;
    }
  }
  return rewritten;
}

}  // namespace

int widen_to_float64(torch::jit::Module& m) {
  m.to(at::kDouble);
  int rewritten = 0;
  for (const auto& sub : m.modules())
    for (const auto& method : sub.get_methods()) rewritten += widen_block(method.graph()->block());
  return rewritten;
}

}  // namespace kiln
