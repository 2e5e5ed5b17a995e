// eliminate_unused_initializer: drops initializers nothing reads. An initializer that is also a
// graph input (IR >= 4) is an overridable default, part of the interface: it stays.
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace eliminate_unused_initializer_rule {  // the pass's own names: passes share unity batches

int run(GraphView& view) {
  std::vector<std::string> unused;
  for (const auto& init : view.graph().initializer()) {
    const std::string& name = init.name();
    if (view.use_count(name) > 0) continue;
    if (view.is_graph_input(name) && view.scope().ir_version() >= 4) continue;
    unused.push_back(name);
  }
  for (const auto& name : unused) remove_initializer(view, name);
  view.rebuild();
  return static_cast<int>(unused.size());
}

}  // namespace eliminate_unused_initializer_rule
}  // namespace

PassInfo eliminate_unused_initializer() {
  using namespace eliminate_unused_initializer_rule;
  return {"eliminate_unused_initializer", "remove initializers that nothing reads", run};
}

}  // namespace kiln::passes
