#pragma once
// An optimizer pass: a name (onnxoptimizer's, so users' pass lists carry over), one line saying
// what it does, and a function that rewrites ONE graph and returns how many rewrites it made. The
// driver (optimizer.h) calls it on the main graph and on every If/Loop/Scan body.
#include <functional>
#include <optional>
#include <string>

#include "onnx/graph_edit.h"
#include "onnx/graph_view.h"

namespace kiln {

struct PassInfo {
  std::string name;
  std::string description;
  std::function<int(GraphView&)> run;
};

// The usual shape of a pass: `match` looks at one node and returns what the rewrite needs (or
// nullopt); `rewrite` changes the graph and returns false when it had to give up. After each
// rewrite the view is rebuilt and the scan starts over, since indices moved.
template <class Match, class MatchFn, class RewriteFn>
int rewrite_matches(GraphView& view, MatchFn match, RewriteFn rewrite) {
  int count = 0;
  for (int i = 0; i < view.node_count(); ++i) {
    std::optional<Match> m = match(view, i);
    if (!m) continue;
    if (!rewrite(view, *m)) continue;
    ++count;
    view.rebuild();
    i = -1;
  }
  return count;
}

// The node producing `value` as its first output, when it is an `op_type` node of the standard
// domain and `value` has exactly one reader (the node being fused) and is not a graph output; -1
// otherwise. Fusing a value read elsewhere would change what the other readers see.
int fusable_producer(const GraphView& view, const std::string& value, const std::string& op_type);

// True for float32 and float64, the types whose fusions kiln computes (in double).
bool is_float_or_double(int32_t elem_type);

}  // namespace kiln
