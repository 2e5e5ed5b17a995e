// fuse_matmul_add_bias_into_gemm: MatMul(A, B) → Add(·, C) with 2-D A and B becomes Gemm(A, B, C)
// when C broadcasts to the product's [M, N] shape without growing it. Float/double only.
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace fuse_matmul_add_bias_into_gemm_rule {  // the pass's own names: passes share unity batches

struct Match {
  int matmul, add, slot;  // slot: the Add operand that is the MatMul's output
};

// C must broadcast to [m, n] (unknown m: -1) in one direction only.
bool broadcasts_to(const Shape& c, int64_t m, int64_t n) {
  if (c.size() > 2) return false;
  auto fits = [](int64_t dim, int64_t target) {
    return dim == 1 || (target >= 0 && dim == target);
  };
  if (c.size() == 2) return fits(c[0], m) && fits(c[1], n);
  if (c.size() == 1) return fits(c[0], n);
  return true;
}

std::optional<Match> match(const GraphView& view, int i) {
  const auto& add = view.node(i);
  if (add.op_type() != "Add" || !is_standard_domain(add.domain()) || add.input_size() != 2 ||
      add.attribute_size() > 0) {
    return std::nullopt;
  }
  if (view.scope().opset() < 7) return std::nullopt;  // older Gemm needs a broadcast attribute
  for (int k = 0; k < 2; ++k) {
    int p = fusable_producer(view, add.input(k), "MatMul");
    if (p < 0) continue;
    const auto& mm = view.node(p);
    auto a = view.shape(mm.input(0)), b = view.shape(mm.input(1)), c = view.shape(add.input(1 - k));
    if (!a || !b || !c || a->size() != 2 || b->size() != 2) continue;
    int32_t type = view.elem_type(mm.input(0));
    if (!is_float_or_double(type) || view.elem_type(add.input(1 - k)) != type) continue;
    if (!broadcasts_to(*c, (*a)[0], (*b)[1])) continue;
    return Match{p, i, k};
  }
  return std::nullopt;
}

bool rewrite(GraphView& view, Match& m) {
  const auto& mm = view.node(m.matmul);
  const auto& add = view.node(m.add);
  onnx::NodeProto gemm = make_node("Gemm", {mm.input(0), mm.input(1), add.input(1 - m.slot)},
                                   {add.output(0)}, mm.name());
  replace_pattern(view.graph(), m.add, gemm, {m.matmul});
  return true;
}

}  // namespace fuse_matmul_add_bias_into_gemm_rule
}  // namespace

PassInfo fuse_matmul_add_bias_into_gemm() {
  using namespace fuse_matmul_add_bias_into_gemm_rule;
  return {"fuse_matmul_add_bias_into_gemm",
          "turn a 2-D MatMul followed by a bias Add into Gemm (float/double)",
          [](GraphView& view) { return rewrite_matches<Match>(view, match, rewrite); }};
}

}  // namespace kiln::passes
