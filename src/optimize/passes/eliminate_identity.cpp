// eliminate_identity: Identity(x) → y: readers of y read x. When y is a graph output, x's
// producer writes y directly (the output name is the interface).
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace eliminate_identity_rule {  // the pass's own names: passes share unity batches

std::optional<int> match(const GraphView& view, int i) {
  const auto& n = view.node(i);
  if (n.op_type() != "Identity" || !is_standard_domain(n.domain()) || n.input_size() != 1 ||
      n.output_size() != 1) {
    return std::nullopt;
  }
  return i;
}

}  // namespace eliminate_identity_rule
}  // namespace

PassInfo eliminate_identity() {
  using namespace eliminate_identity_rule;
  return {"eliminate_identity", "remove Identity nodes (readers read the input instead)",
          [](GraphView& view) {
            return rewrite_matches<int>(view, match,
                                        [](GraphView& v, int i) { return bypass_node(v, i); });
          }};
}

}  // namespace kiln::passes
