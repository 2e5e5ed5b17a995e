#include "quantize_onnx/qoperator_rewrite.h"

#include <set>

#include "onnx/graph_edit.h"
#include "onnx/graph_view.h"

namespace kiln {

namespace {

bool is_op(const onnx::NodeProto& n, const char* op) {
  return n.op_type() == op && is_standard_domain(n.domain());
}

// The DequantizeLinear producing `value`: its (q, scale, zero point) inputs.
const onnx::NodeProto* dq_of(const GraphView& view, const std::string& value) {
  int p = view.producer(value);
  if (p < 0 || !is_op(view.node(p), "DequantizeLinear") || view.node(p).input_size() < 3)
    return nullptr;
  return &view.node(p);
}

// The lone QuantizeLinear reading `value` (nothing else reads it, not a graph output).
int sole_q_reader(const GraphView& view, const std::string& value) {
  if (view.is_graph_output(value) || view.consumers(value).size() != 1) return -1;
  int r = view.consumers(value)[0];
  return is_op(view.node(r), "QuantizeLinear") && view.node(r).input_size() >= 3 ? r : -1;
}

bool zero_point_is_zero(const GraphView& view, const std::string& zp) {
  auto v = view.constant_values(zp);
  if (!v) return false;
  for (double x : *v)
    if (x != 0) return false;
  return true;
}

bool same_constant(const GraphView& view, const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto x = view.constant(a), y = view.constant(b);
  return x && y && x->dtype == y->dtype && x->shape == y->shape && x->data == y->data;
}

struct Fused {
  onnx::NodeProto node;
  std::vector<int> removed;  // pattern nodes other than the last
  int last = -1;
};

// Conv/MatMul [→ Relu] → Q with dequantized inputs.
std::optional<Fused> match_qlinear(const GraphView& view, int i) {
  const auto& n = view.node(i);
  bool conv = is_op(n, "Conv"), matmul = is_op(n, "MatMul");
  if (!conv && !matmul) return std::nullopt;
  const auto* x = dq_of(view, input_or_empty(n, 0));
  const auto* w = dq_of(view, input_or_empty(n, 1));
  if (!x || !w) return std::nullopt;
  const onnx::NodeProto* b = nullptr;
  if (conv && !input_or_empty(n, 2).empty()) {
    b = dq_of(view, n.input(2));
    if (!b || !view.is_constant(b->input(0))) return std::nullopt;
  }
  if (!view.is_constant(w->input(0))) return std::nullopt;
  Fused f;
  std::string out = n.output(0);
  int relu = -1;
  if (!view.is_graph_output(out) && view.consumers(out).size() == 1 &&
      is_op(view.node(view.consumers(out)[0]), "Relu")) {
    relu = view.consumers(out)[0];
    out = view.node(relu).output(0);
  }
  int q = sole_q_reader(view, out);
  if (q < 0) return std::nullopt;
  const auto& qn = view.node(q);
  if (relu >= 0 && !zero_point_is_zero(view, qn.input(2))) return std::nullopt;
  std::vector<std::string> in = {x->input(0), x->input(1), x->input(2), w->input(0),
                                 w->input(1), w->input(2), qn.input(1), qn.input(2)};
  if (b) in.push_back(b->input(0));
  f.node = make_node(conv ? "QLinearConv" : "QLinearMatMul", in, {qn.output(0)}, n.name());
  if (conv)
    for (const auto& a : n.attribute()) *f.node.add_attribute() = a;
  f.removed = {i};
  if (relu >= 0) f.removed.push_back(relu);
  f.last = q;
  return f;
}

// DQ → data movement → Q with the same parameters.
std::optional<Fused> match_data_movement(const GraphView& view, int i) {
  static const std::set<std::string> ops = {"MaxPool",   "Flatten", "Reshape",
                                            "Transpose", "Squeeze", "Unsqueeze"};
  const auto& n = view.node(i);
  if (!is_standard_domain(n.domain()) || !ops.count(n.op_type()) || n.output_size() != 1)
    return std::nullopt;
  const auto* x = dq_of(view, n.input(0));
  int q = sole_q_reader(view, n.output(0));
  if (!x || q < 0) return std::nullopt;
  const auto& qn = view.node(q);
  if (!same_constant(view, x->input(1), qn.input(1)) ||
      !same_constant(view, x->input(2), qn.input(2)))
    return std::nullopt;
  Fused f;
  f.node = n;
  f.node.set_input(0, x->input(0));
  f.node.set_output(0, qn.output(0));
  f.removed = {i};
  f.last = q;
  return f;
}

// Removes Q/DQ nodes nothing reads, repeatedly, then initializers nothing reads.
void remove_unused(GraphView& view) {
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = view.node_count() - 1; i >= 0; --i) {
      const auto& n = view.node(i);
      if (!is_op(n, "QuantizeLinear") && !is_op(n, "DequantizeLinear")) continue;
      if (view.use_count(n.output(0)) > 0) continue;
      std::vector<std::string> inputs(n.input().begin(), n.input().end());
      remove_nodes(view.graph(), {i});
      view.rebuild();
      for (const auto& in : inputs) drop_if_unused(view, in);
      changed = true;
      break;
    }
  }
}

}  // namespace

QOperatorSummary convert_to_qoperator(onnx::ModelProto& model) {
  ModelScope scope(model, /*infer_types=*/false);
  GraphView view(*model.mutable_graph(), scope);
  QOperatorSummary summary;
  for (int i = 0; i < view.node_count(); ++i) {
    auto f = match_qlinear(view, i);
    bool qlinear = f.has_value();
    if (!f) f = match_data_movement(view, i);
    if (!f) continue;
    if (qlinear)
      (f->node.op_type() == "QLinearConv" ? summary.qlinear_conv : summary.qlinear_matmul)++;
    else
      ++summary.integer_data_movement;
    replace_pattern(view.graph(), f->last, f->node, f->removed);
    view.rebuild();
    i = -1;  // indices moved; rescan (graphs here are small)
  }
  remove_unused(view);
  return summary;
}

}  // namespace kiln
