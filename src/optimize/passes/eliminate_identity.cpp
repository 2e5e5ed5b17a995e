// eliminate_identity: Identity(x) → y: readers of y read x. When y is a graph output, x's
// producer writes y directly (the output name is the interface).
//
// Linear in the graph's size (issue 33: one rewrite and one re-index per node made 10k chained
// Identity nodes take 8 s and 100k never finish): every Identity whose output is not a graph output
// is removed in one sweep — each name it wrote resolved to the first name of its chain, every read
// (subgraphs included) renamed once, the nodes dropped together. Only the few that write a graph
// output are then bypassed one at a time.
#include <unordered_map>

#include <fmt/format.h>

#include "common/error.h"
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace eliminate_identity_rule {  // the pass's own names: passes share unity batches

std::optional<int> match(const GraphView& view, int i) {
  const auto& n = view.node(i);
  if (n.op_type() != "Identity" || !is_standard_domain(n.domain()) || n.input_size() != 1 ||
      n.output_size() != 1 || n.input(0).empty() || n.output(0).empty()) {
    return std::nullopt;
  }
  return i;
}

using Aliases = std::unordered_map<std::string, std::string>;

// The name `value` stands for once every aliased Identity is gone: the start of its chain. Chains
// are shortened as they are walked (each name is resolved once over the whole sweep).
std::string resolve(Aliases& alias, const std::string& value) {
  auto it = alias.find(value);
  if (it == alias.end()) return value;
  // Walk to the end, counting: a cycle of Identity nodes (an invalid graph) never ends.
  std::vector<Aliases::iterator> path;
  while (it != alias.end()) {
    path.push_back(it);
    if (path.size() > alias.size())
      throw Error(
          fmt::format("eliminate_identity: Identity nodes form a cycle through '{}'", value));
    it = alias.find(it->second);
  }
  const std::string root = path.back()->second;
  for (auto& p : path) p->second = root;
  return path.front()->second;
}

// Renames every read of an aliased name in `graph` and the subgraphs inside it; a subgraph's own
// outputs are reads of outer values too (the top graph's outputs are the interface).
void rename_reads(onnx::GraphProto& graph, Aliases& alias, bool subgraph) {
  for (auto& n : *graph.mutable_node()) {
    for (auto& s : *n.mutable_input())
      if (!s.empty() && alias.count(s)) s = resolve(alias, s);
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) rename_reads(*a.mutable_g(), alias, true);
      for (auto& g : *a.mutable_graphs()) rename_reads(g, alias, true);
    }
  }
  if (subgraph) {
    for (auto& v : *graph.mutable_output())
      if (alias.count(v.name())) v.set_name(resolve(alias, v.name()));
  }
}

int remove_inner_identities(GraphView& view) {
  Aliases alias;
  std::vector<int> removed;
  for (int i = 0; i < view.node_count(); ++i) {
    if (!match(view, i)) continue;
    const auto& n = view.node(i);
    if (view.is_graph_output(n.output(0))) continue;  // its producer takes the name: below
    alias.emplace(n.output(0), n.input(0));
    removed.push_back(i);
  }
  if (removed.empty()) return 0;
  rename_reads(view.graph(), alias, /*subgraph=*/false);
  remove_nodes(view.graph(), removed);
  view.rebuild();
  return static_cast<int>(removed.size());
}

}  // namespace eliminate_identity_rule
}  // namespace

PassInfo eliminate_identity() {
  using namespace eliminate_identity_rule;
  return {"eliminate_identity", "remove Identity nodes (readers read the input instead)",
          [](GraphView& view) {
            int count = remove_inner_identities(view);
            // What is left writes graph outputs: few, one at a time.
            return count + rewrite_matches<int>(
                               view, match, [](GraphView& v, int i) { return bypass_node(v, i); });
          }};
}

}  // namespace kiln::passes
