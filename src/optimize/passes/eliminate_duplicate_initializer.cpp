// eliminate_duplicate_initializer: initializers with the same element type, shape and bytes are
// merged; readers of the duplicates read the first one.
#include <map>
#include <tuple>

#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace eliminate_duplicate_initializer_rule {  // the pass's own names: passes share unity
                                                  // batches

int run(GraphView& view) {
  if (view.parent() && view.scope().ir_version() < 4) return 0;  // IR 3 subgraph inputs are fixed
  using Key = std::tuple<DType, Shape, std::string>;
  std::map<Key, std::string> first;
  std::vector<std::pair<std::string, std::string>> dups;  // duplicate → kept
  for (const auto& init : view.graph().initializer()) {
    const std::string& name = init.name();
    if (!view.is_constant(name) || view.is_graph_output(name) ||
        !is_supported_onnx_type(init.data_type()))
      continue;
    std::optional<HostTensor> t = view.constant(name);
    if (!t) continue;
    auto [it, inserted] = first.emplace(Key{t->dtype, t->shape, std::move(t->data)}, name);
    if (!inserted) dups.emplace_back(name, it->second);
  }
  for (const auto& [dup, kept] : dups) {
    replace_uses(view.graph(), dup, kept);
    remove_initializer(view, dup);
  }
  view.rebuild();
  return static_cast<int>(dups.size());
}

}  // namespace eliminate_duplicate_initializer_rule
}  // namespace

PassInfo eliminate_duplicate_initializer() {
  using namespace eliminate_duplicate_initializer_rule;
  return {"eliminate_duplicate_initializer",
          "merge initializers with identical type, shape and contents", run};
}

}  // namespace kiln::passes
