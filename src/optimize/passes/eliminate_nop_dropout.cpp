// eliminate_nop_dropout: Dropout is the identity at inference (no training_mode, or a ratio of
// 0), when its mask output is not read.
#include "optimize/passes.h"

namespace kiln::passes {

namespace {
namespace eliminate_nop_dropout_rule {  // the pass's own names: passes share unity batches

bool is_nop(const GraphView& view, const onnx::NodeProto& n) {
  int64_t opset = view.scope().opset();
  if (opset < 7) return attr_int(n, "is_test", 0) != 0 || attr_float(n, "ratio", 0.5f) == 0.0f;
  if (opset < 12)
    return true;  // opsets 7-11 have no training mode: Dropout is identity at inference
  std::string ratio = input_or_empty(n, 1), training = input_or_empty(n, 2);
  if (!ratio.empty()) {
    if (auto r = view.constant_values(ratio); r && r->size() == 1 && (*r)[0] == 0.0) return true;
  }
  if (training.empty()) return true;
  auto t = view.constant_values(training);
  return t && t->size() == 1 && (*t)[0] == 0.0;
}

std::optional<int> match(const GraphView& view, int i) {
  const auto& n = view.node(i);
  if (n.op_type() != "Dropout" || !is_standard_domain(n.domain()) || n.input_size() < 1)
    return std::nullopt;
  if (n.output_size() > 1 && !n.output(1).empty() && view.use_count(n.output(1)) > 0)
    return std::nullopt;
  if (!is_nop(view, n)) return std::nullopt;
  return i;
}

}  // namespace eliminate_nop_dropout_rule
}  // namespace

PassInfo eliminate_nop_dropout() {
  using namespace eliminate_nop_dropout_rule;
  return {"eliminate_nop_dropout", "remove Dropout that is the identity at inference (mask unread)",
          [](GraphView& view) {
            return rewrite_matches<int>(view, match,
                                        [](GraphView& v, int i) { return bypass_node(v, i); });
          }};
}

}  // namespace kiln::passes
