// eliminate_nop_transpose: Transpose whose perm is 0,1,...,n-1 (or a rank-0/1 input without perm).
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace eliminate_nop_transpose_rule {  // the pass's own names: passes share unity batches

std::optional<int> match(const GraphView& view, int i) {
  const auto& n = view.node(i);
  if (n.op_type() != "Transpose" || !is_standard_domain(n.domain()) || n.input_size() != 1)
    return std::nullopt;
  if (auto perm = attr_ints(n, "perm")) {
    for (size_t k = 0; k < perm->size(); ++k) {
      if ((*perm)[k] != static_cast<int64_t>(k)) return std::nullopt;
    }
    return i;
  }
  auto shape = view.shape(n.input(0));  // no perm: reverses the axes, a no-op only for rank <= 1
  if (shape && shape->size() <= 1) return i;
  return std::nullopt;
}

}  // namespace eliminate_nop_transpose_rule
}  // namespace

PassInfo eliminate_nop_transpose() {
  using namespace eliminate_nop_transpose_rule;
  return {"eliminate_nop_transpose", "remove Transpose with the identity permutation",
          [](GraphView& view) {
            return rewrite_matches<int>(view, match,
                                        [](GraphView& v, int i) { return bypass_node(v, i); });
          }};
}

}  // namespace kiln::passes
