// fuse_transpose_into_gemm: a 2-D Transpose feeding Gemm's A or B is absorbed by flipping transA
// or transB, when nothing else reads the transposed value.
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace fuse_transpose_into_gemm_rule {  // the pass's own names: passes share unity batches

struct Match {
  int transpose, gemm, slot;
};

std::optional<Match> match(const GraphView& view, int i) {
  const auto& gemm = view.node(i);
  if (gemm.op_type() != "Gemm" || !is_standard_domain(gemm.domain()) || gemm.input_size() < 2)
    return std::nullopt;
  for (int slot = 0; slot < 2; ++slot) {
    int t = fusable_producer(view, gemm.input(slot), "Transpose");
    if (t < 0) continue;
    const auto& tr = view.node(t);
    auto perm = attr_ints(tr, "perm");
    auto shape = view.shape(tr.input(0));
    bool swaps = perm ? *perm == std::vector<int64_t>{1, 0} : (shape && shape->size() == 2);
    if (swaps) return Match{t, i, slot};
  }
  return std::nullopt;
}

bool rewrite(GraphView& view, Match& m) {
  onnx::NodeProto gemm = view.node(m.gemm);
  const char* flag = m.slot == 0 ? "transA" : "transB";
  set_attr_int(gemm, flag, 1 - attr_int(gemm, flag, 0));
  gemm.set_input(m.slot, view.node(m.transpose).input(0));
  replace_pattern(view.graph(), m.gemm, gemm, {m.transpose});
  return true;
}

}  // namespace fuse_transpose_into_gemm_rule
}  // namespace

PassInfo fuse_transpose_into_gemm() {
  using namespace fuse_transpose_into_gemm_rule;
  return {"fuse_transpose_into_gemm", "absorb a 2-D Transpose of Gemm's A or B into transA/transB",
          [](GraphView& view) { return rewrite_matches<Match>(view, match, rewrite); }};
}

}  // namespace kiln::passes
