// extract_constant_to_initializer: a Constant node becomes an initializer of the same name.
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace extract_constant_to_initializer_rule {  // the pass's own names: passes share unity
                                                  // batches

struct Match {
  int node;
  HostTensor value;
};

std::optional<Match> match(const GraphView& view, int i) {
  const auto& n = view.node(i);
  if (n.op_type() != "Constant" || !is_standard_domain(n.domain()) || n.output_size() != 1)
    return std::nullopt;
  if (view.is_graph_output(n.output(0))) return std::nullopt;
  if (view.parent() && view.scope().ir_version() < 4)
    return std::nullopt;  // IR 3 subgraphs: no new inputs
  auto value = view.constant(n.output(0));
  if (!value) return std::nullopt;  // strings, sparse tensors
  return Match{i, std::move(*value)};
}

bool rewrite(GraphView& view, Match& m) {
  remove_nodes(view.graph(), {m.node});
  add_initializer(view, m.value);
  return true;
}

}  // namespace extract_constant_to_initializer_rule
}  // namespace

PassInfo extract_constant_to_initializer() {
  using namespace extract_constant_to_initializer_rule;
  return {"extract_constant_to_initializer", "turn Constant nodes into initializers",
          [](GraphView& view) { return rewrite_matches<Match>(view, match, rewrite); }};
}

}  // namespace kiln::passes
