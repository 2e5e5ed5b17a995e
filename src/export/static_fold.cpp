#include "export/static_fold.h"

#include <torch/csrc/jit/runtime/operator.h>

namespace kiln {

namespace {

// Folding a large tensor computation at export would bake its result into the file (and cost
// time). Big enough for parameter-only subgraphs (Swin v2's position-bias MLP: 115k elements
// in its hidden layer, a 675-element table out).
constexpr int64_t kMaxFoldedTensorElements = 1 << 22;

bool small_enough(const c10::IValue& v) {
  if (v.isTensor()) return v.toTensor().numel() <= kMaxFoldedTensorElements;
  if (v.isTensorList()) {
    for (const auto& t : v.toTensorVector())
      if (t.numel() > kMaxFoldedTensorElements) return false;
  }
  return true;
}

}  // namespace

bool try_static_fold(ExportContext& ctx, const Node* node) {
  if (!node->blocks().empty() || node->outputs().empty()) return false;
  if (node->hasSideEffects() || node->isNondeterministic()) return false;
  auto kind = node->kind();
  if (kind == c10::prim::Constant || kind == c10::prim::If || kind == c10::prim::Loop) return false;
  std::vector<c10::IValue> inputs;
  for (const Value* v : node->inputs()) {
    if (!ctx.is_static(v)) return false;
    auto iv = ctx.constant(v);
    if (!small_enough(iv)) return false;
    inputs.push_back(std::move(iv));
  }
  // An in-place op folds only on a value folded here (`qkv_bias = bias.clone();
  // qkv_bias[n:2n].zero_()`): writing into a graph constant would change the model's parameters.
  if (const auto* schema = node->maybeSchema(); schema != nullptr && schema->is_mutable()) {
    for (size_t i = 0; i < schema->arguments().size() && i < node->inputs().size(); ++i) {
      const auto& alias = schema->arguments()[i].alias_info();
      if (alias && alias->isWrite() && node->input(i)->node()->kind() == c10::prim::Constant) return false;
    }
  }
  if (node->maybeOperator() == nullptr && kind.is_aten()) return false;
  torch::jit::Stack stack(inputs.begin(), inputs.end());
  try {
    auto operation = node->getOperation();
    operation(stack);
  } catch (const std::exception&) {
    return false;  // not foldable here (e.g. an op with no CPU kernel): convert it instead
  }
  if (stack.size() != node->outputs().size()) return false;
  for (size_t i = 0; i < stack.size(); ++i) {
    if (!small_enough(stack[i])) return false;
  }
  for (size_t i = 0; i < stack.size(); ++i) ctx.set_known(node->output(i), std::move(stack[i]));
  return true;
}

}  // namespace kiln
