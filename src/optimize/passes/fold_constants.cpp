// fold_constants: a node whose inputs are all constants is replaced by initializers holding its
// outputs. The node is evaluated by ONNX Runtime itself (a one-node model), so the folded values
// are exactly what the runtime would compute, for every op it supports. Skipped: random ops,
// nodes with subgraphs, outputs that are graph outputs, and folds that would grow the model much
// (an Expand or ConstantOfShape to a large shape stays a node).
#include <set>

#include "common/error.h"
#include "optimize/passes.h"
#include "runtime/ort_session.h"

namespace kiln::passes {

namespace {
namespace fold_constants_rule {  // the pass's own names: passes share unity batches

constexpr size_t kMaxInputBytes = size_t{64} << 20;
constexpr size_t kMaxGrowthBytes = size_t{1} << 20;  // outputs may exceed inputs by this much

const std::set<std::string> kNeverFold = {
    "Constant",          "RandomNormal", "RandomUniform", "RandomNormalLike",
    "RandomUniformLike", "Multinomial",  "Bernoulli",     "Dropout"};

struct Match {
  int node;
  std::vector<HostTensor> inputs;  // one per distinct non-empty input name
};

std::optional<Match> match(const GraphView& view, int i) {
  const auto& n = view.node(i);
  if (!is_standard_domain(n.domain()) || kNeverFold.count(n.op_type()) || has_subgraph(n))
    return std::nullopt;
  if (view.parent() && view.scope().ir_version() < 4)
    return std::nullopt;  // IR 3 subgraphs: no new initializers
  if (n.output_size() == 0) return std::nullopt;
  for (const auto& s : n.output()) {
    if (s.empty() || view.is_graph_output(s)) return std::nullopt;
  }
  Match m{i, {}};
  size_t bytes = 0;
  std::set<std::string> seen;
  for (const auto& s : n.input()) {
    if (s.empty() || seen.count(s)) continue;
    auto t = view.constant(s);
    if (!t) return std::nullopt;
    bytes += t->nbytes();
    if (bytes > kMaxInputBytes) return std::nullopt;
    seen.insert(s);
    m.inputs.push_back(std::move(*t));
  }
  if (m.inputs.empty()) return std::nullopt;
  return m;
}

onnx::ModelProto one_node_model(const GraphView& view, const onnx::NodeProto& node,
                                const std::vector<HostTensor>& inputs) {
  onnx::ModelProto model;
  model.set_ir_version(std::max<int64_t>(view.scope().ir_version(), 4));
  for (const auto& [domain, version] : view.scope().opsets()) {
    auto* op = model.add_opset_import();
    op->set_domain(domain);
    op->set_version(version);
  }
  auto* g = model.mutable_graph();
  g->set_name("fold");
  *g->add_node() = node;
  for (const auto& t : inputs) {
    auto* in = g->add_input();
    in->set_name(t.name);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int32_t>(t.dtype));
    auto* shape = tt->mutable_shape();
    for (int64_t d : t.shape) shape->add_dim()->set_dim_value(d);
  }
  for (const auto& s : node.output()) g->add_output()->set_name(s);
  return model;
}

bool rewrite(GraphView& view, Match& m) {
  const onnx::NodeProto node = view.node(m.node);
  std::vector<HostTensor> outputs;
  try {
    SessionOptions options;
    options.intra_op_threads = 1;
    options.optimization = GraphOptLevel::Disable;
    options.allow_spinning = false;
    std::string bytes = one_node_model(view, node, m.inputs).SerializeAsString();
    auto session = OrtSession::from_bytes(bytes, options, "fold " + node.op_type());
    outputs = session.run(m.inputs);
  } catch (const Error&) {
    return false;  // an op ONNX Runtime cannot evaluate here stays a node
  }
  size_t in_bytes = 0, out_bytes = 0;
  for (const auto& t : m.inputs) in_bytes += t.nbytes();
  for (const auto& t : outputs) out_bytes += t.nbytes();
  if (out_bytes > in_bytes + kMaxGrowthBytes) return false;
  remove_nodes(view.graph(), {m.node});
  for (auto& t : outputs) add_initializer(view, t);
  view.rebuild();
  for (const auto& t : m.inputs) drop_if_unused(view, t.name);
  return true;
}

}  // namespace fold_constants_rule
}  // namespace

PassInfo fold_constants() {
  using namespace fold_constants_rule;
  return {"fold_constants",
          "evaluate nodes whose inputs are all constant (in ONNX Runtime) into initializers",
          [](GraphView& view) { return rewrite_matches<Match>(view, match, rewrite); }};
}

}  // namespace kiln::passes
