// fuse_consecutive_transposes: Transpose(p1) → Transpose(p2) becomes one Transpose with
// perm[i] = p1[p2[i]], when the first one's output has no other reader.
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace fuse_consecutive_transposes_rule {  // the pass's own names: passes share unity batches

struct Match {
  int first, second;
  std::vector<int64_t> perm;
};

// A Transpose's permutation; without a perm attribute it reverses the axes (rank must be known).
std::optional<std::vector<int64_t>> permutation(const GraphView& view, const onnx::NodeProto& n) {
  if (auto p = attr_ints(n, "perm")) return p;
  auto shape = view.shape(n.input(0));
  if (!shape) return std::nullopt;
  std::vector<int64_t> p;
  for (auto k = static_cast<int64_t>(shape->size()); k-- > 0;) p.push_back(k);
  return p;
}

std::optional<Match> match(const GraphView& view, int i) {
  const auto& second = view.node(i);
  if (second.op_type() != "Transpose" || !is_standard_domain(second.domain()) ||
      second.input_size() != 1) {
    return std::nullopt;
  }
  int f = fusable_producer(view, second.input(0), "Transpose");
  if (f < 0) return std::nullopt;
  auto p1 = permutation(view, view.node(f)), p2 = permutation(view, second);
  if (!p1 || !p2 || p1->size() != p2->size()) return std::nullopt;
  std::vector<int64_t> perm;
  for (int64_t k : *p2) {
    if (k < 0 || k >= static_cast<int64_t>(p1->size())) return std::nullopt;
    perm.push_back((*p1)[static_cast<size_t>(k)]);
  }
  return Match{f, i, perm};
}

bool rewrite(GraphView& view, Match& m) {
  onnx::NodeProto fused = view.node(m.second);
  fused.set_input(0, view.node(m.first).input(0));
  set_attr_ints(fused, "perm", m.perm);
  replace_pattern(view.graph(), m.second, fused, {m.first});
  return true;
}

}  // namespace fuse_consecutive_transposes_rule
}  // namespace

PassInfo fuse_consecutive_transposes() {
  using namespace fuse_consecutive_transposes_rule;
  return {"fuse_consecutive_transposes", "merge two Transposes in a row into one",
          [](GraphView& view) { return rewrite_matches<Match>(view, match, rewrite); }};
}

}  // namespace kiln::passes
