// eliminate_deadend: removes nodes none of whose outputs is read (by a node, a subgraph or as a
// graph output). Walks backwards so a whole dead chain goes in one run.
#include <unordered_map>

#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace eliminate_deadend_rule {  // the pass's own names: passes share unity batches

int run(GraphView& view) {
  std::unordered_map<std::string, int> uses;
  for (int i = 0; i < view.node_count(); ++i) {
    for (const auto& s : view.node(i).output()) uses[s] = view.use_count(s);
  }
  std::vector<int> dead;
  for (int i = view.node_count() - 1; i >= 0; --i) {
    const auto& node = view.node(i);
    if (node.output_size() == 0) continue;
    bool unused = true;
    for (const auto& s : node.output()) unused = unused && (s.empty() || uses[s] == 0);
    if (!unused) continue;
    dead.push_back(i);
    // Mirror GraphView's counting: one use per input slot, one per subgraph read not also an input.
    std::unordered_set<std::string> direct(node.input().begin(), node.input().end());
    for (const auto& s : node.input()) {
      if (uses.count(s)) --uses[s];
    }
    std::unordered_set<std::string> reads;
    for (const auto& a : node.attribute()) {
      if (a.has_g()) collect_subgraph_reads(a.g(), reads);
      for (const auto& g : a.graphs()) collect_subgraph_reads(g, reads);
    }
    for (const auto& s : reads) {
      if (!direct.count(s) && uses.count(s)) --uses[s];
    }
  }
  remove_nodes(view.graph(), dead);
  view.rebuild();
  return static_cast<int>(dead.size());
}

}  // namespace eliminate_deadend_rule
}  // namespace

PassInfo eliminate_deadend() {
  using namespace eliminate_deadend_rule;
  return {"eliminate_deadend", "remove nodes whose outputs nothing reads", run};
}

}  // namespace kiln::passes
