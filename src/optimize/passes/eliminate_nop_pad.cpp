// eliminate_nop_pad: Pad whose pads are all zero (any mode, any value) is the identity.
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace eliminate_nop_pad_rule {  // the pass's own names: passes share unity batches

std::optional<int> match(const GraphView& view, int i) {
  const auto& n = view.node(i);
  if (n.op_type() != "Pad" || !is_standard_domain(n.domain()) || n.input_size() < 1)
    return std::nullopt;
  auto all_zero = [](const auto& values) {
    for (auto v : values) {
      if (v != 0) return false;
    }
    return true;
  };
  if (view.scope().opset() < 11) {
    auto p = attr_ints(n, "pads");
    if (!p || !all_zero(*p)) return std::nullopt;
  } else {
    auto p = view.constant_values(input_or_empty(n, 1));
    if (!p || !all_zero(*p)) return std::nullopt;
  }
  return i;
}

}  // namespace eliminate_nop_pad_rule
}  // namespace

PassInfo eliminate_nop_pad() {
  using namespace eliminate_nop_pad_rule;
  return {"eliminate_nop_pad", "remove Pad whose pads are all zero", [](GraphView& view) {
            return rewrite_matches<int>(view, match,
                                        [](GraphView& v, int i) { return bypass_node(v, i); });
          }};
}

}  // namespace kiln::passes
