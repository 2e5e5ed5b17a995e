#include "onnx/graph_view.h"

#include <fmt/format.h>
#include <onnx/shape_inference/implementation.h>

#include "common/error.h"
#include "onnx/without_weights.h"

namespace kiln {

namespace {

template <class F>
void for_each_subgraph(const onnx::NodeProto& node, F&& fn) {
  for (const auto& a : node.attribute()) {
    if (a.has_g()) fn(a.g());
    for (const auto& g : a.graphs()) fn(g);
  }
}

void collect_names(const onnx::GraphProto& g, std::unordered_set<std::string>& names) {
  for (const auto& v : g.input()) names.insert(v.name());
  for (const auto& v : g.output()) names.insert(v.name());
  for (const auto& v : g.value_info()) names.insert(v.name());
  for (const auto& t : g.initializer()) names.insert(t.name());
  for (const auto& n : g.node()) {
    names.insert(n.name());
    for (const auto& s : n.input()) names.insert(s);
    for (const auto& s : n.output()) names.insert(s);
    for_each_subgraph(n, [&](const onnx::GraphProto& sub) { collect_names(sub, names); });
  }
}

void collect_types(const onnx::GraphProto& g,
                   std::unordered_map<std::string, onnx::TypeProto>& types) {
  auto add = [&](const onnx::ValueInfoProto& v) {
    if (v.has_type()) types[v.name()] = v.type();
  };
  for (const auto& v : g.value_info()) add(v);
  for (const auto& v : g.input()) add(v);
  for (const auto& v : g.output()) add(v);
  for (const auto& n : g.node())
    for_each_subgraph(n, [&](const onnx::GraphProto& sub) { collect_types(sub, types); });
}

std::optional<HostTensor> constant_from_node(const onnx::NodeProto& node) {
  if (node.attribute_size() != 1) return std::nullopt;
  const auto& a = node.attribute(0);
  const std::string& out = node.output(0);
  try {
    if (a.name() == "value" && a.has_t()) {
      if (!is_supported_onnx_type(a.t().data_type())) return std::nullopt;
      HostTensor t = tensor_from_proto(a.t(), out);
      t.name = out;
      return t;
    }
    if (a.name() == "value_float") return make_tensor(out, DType::Float32, {}, {a.f()});
    if (a.name() == "value_int")
      return make_tensor(out, DType::Int64, {}, {static_cast<double>(a.i())});
    if (a.name() == "value_floats") {
      std::vector<double> v(a.floats().begin(), a.floats().end());
      return make_tensor(out, DType::Float32, {static_cast<int64_t>(v.size())}, v);
    }
    if (a.name() == "value_ints") {
      HostTensor t(out, DType::Int64, {a.ints_size()});
      for (int i = 0; i < a.ints_size(); ++i) t.ptr<int64_t>()[i] = a.ints(i);
      return t;
    }
  } catch (const Error&) {
    return std::nullopt;  // a malformed constant is left for the checker to name
  }
  return std::nullopt;
}

const std::vector<int> kNoConsumers;

}  // namespace

void collect_subgraph_reads(const onnx::GraphProto& graph, std::unordered_set<std::string>& names) {
  for (const auto& n : graph.node()) {
    for (const auto& s : n.input()) names.insert(s);
    for_each_subgraph(n, [&](const onnx::GraphProto& sub) { collect_subgraph_reads(sub, names); });
  }
  for (const auto& v : graph.output()) names.insert(v.name());
}

ModelScope::ModelScope(const onnx::ModelProto& model, bool infer_types)
    : ir_version_(model.ir_version()) {
  for (const auto& op : model.opset_import()) {
    opsets_[op.domain() == "ai.onnx" ? "" : op.domain()] = op.version();
  }
  collect_names(model.graph(), names_);
  if (infer_types) {
    onnx::ModelProto copy = without_weights(model);  // (a copy with the weights: one more model in memory)
    try {
      onnx::shape_inference::InferShapes(copy);
    } catch (const std::exception&) {
      // Partial results are still in `copy`; a model inference rejects simply gets fewer facts.
    }
    collect_types(copy.graph(), types_);
  } else {
    collect_types(model.graph(), types_);
  }
}

int64_t ModelScope::opset(const std::string& domain) const {
  auto it = opsets_.find(domain == "ai.onnx" ? "" : domain);
  return it == opsets_.end() ? 0 : it->second;
}

std::string ModelScope::unique_name(const std::string& base) {
  std::string name = base;
  for (int i = 1; names_.count(name); ++i) name = fmt::format("{}_{}", base, i);
  names_.insert(name);
  return name;
}

const onnx::TypeProto* ModelScope::type(const std::string& name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

GraphView::GraphView(onnx::GraphProto& graph, ModelScope& scope, const GraphView* parent)
    : graph_(&graph), scope_(&scope), parent_(parent) {
  rebuild();
}

void GraphView::rebuild() {
  producer_.clear();
  consumers_.clear();
  initializers_.clear();
  inputs_.clear();
  outputs_.clear();
  for (int i = 0; i < graph_->node_size(); ++i) {
    const auto& n = graph_->node(i);
    for (const auto& s : n.output()) {
      if (!s.empty()) producer_[s] = i;
    }
    for (const auto& s : n.input()) {
      if (!s.empty()) consumers_[s].push_back(i);
    }
    if (has_subgraph(n)) {
      std::unordered_set<std::string> reads;
      for_each_subgraph(n,
                        [&](const onnx::GraphProto& sub) { collect_subgraph_reads(sub, reads); });
      for (const auto& s : reads) {
        auto& c = consumers_[s];
        if (c.empty() || c.back() != i) c.push_back(i);
      }
    }
  }
  for (int i = 0; i < graph_->initializer_size(); ++i)
    initializers_[graph_->initializer(i).name()] = i;
  for (const auto& v : graph_->input()) inputs_.insert(v.name());
  for (const auto& v : graph_->output()) outputs_[v.name()]++;
}

int GraphView::producer(const std::string& value) const {
  auto it = producer_.find(value);
  return it == producer_.end() ? -1 : it->second;
}

const std::vector<int>& GraphView::consumers(const std::string& value) const {
  auto it = consumers_.find(value);
  return it == consumers_.end() ? kNoConsumers : it->second;
}

int GraphView::use_count(const std::string& value) const {
  auto it = outputs_.find(value);
  return static_cast<int>(consumers(value).size()) + (it == outputs_.end() ? 0 : it->second);
}

bool GraphView::is_graph_input(const std::string& value) const {
  return inputs_.count(value) > 0;
}
bool GraphView::is_graph_output(const std::string& value) const {
  return outputs_.count(value) > 0;
}

const onnx::TensorProto* GraphView::initializer(const std::string& value) const {
  for (const GraphView* v = this; v; v = v->parent_) {
    if (v->producer_.count(value))
      return nullptr;  // a node output shadows nothing in SSA, but stop anyway
    auto it = v->initializers_.find(value);
    if (it != v->initializers_.end()) return &v->graph_->initializer(it->second);
    if (v->inputs_.count(value)) return nullptr;
  }
  return nullptr;
}

onnx::TensorProto* GraphView::own_initializer(const std::string& value) {
  if (producer_.count(value)) return nullptr;
  auto it = initializers_.find(value);
  return it == initializers_.end() ? nullptr : graph_->mutable_initializer(it->second);
}

const onnx::NodeProto* GraphView::constant_node(const std::string& value) const {
  for (const GraphView* v = this; v; v = v->parent_) {
    int p = v->producer(value);
    if (p >= 0) {
      const auto& n = v->graph_->node(p);
      return n.op_type() == "Constant" && is_standard_domain(n.domain()) ? &n : nullptr;
    }
    if (v->initializers_.count(value) || v->inputs_.count(value)) return nullptr;
  }
  return nullptr;
}

bool GraphView::is_constant(const std::string& value) const {
  if (value.empty()) return false;
  for (const GraphView* v = this; v; v = v->parent_) {
    int p = v->producer(value);
    if (p >= 0) {
      const auto& n = v->graph_->node(p);
      return n.op_type() == "Constant" && is_standard_domain(n.domain());
    }
    if (v->initializers_.count(value)) {
      // IR >= 4: an initializer also listed as a graph input is only a default the caller may
      // override. IR < 4 lists every initializer as an input, so there it is a constant.
      return !(v->inputs_.count(value) && scope_->ir_version() >= 4);
    }
    if (v->inputs_.count(value)) return false;
  }
  return false;
}

std::optional<HostTensor> GraphView::constant(const std::string& value) const {
  if (!is_constant(value)) return std::nullopt;
  if (const auto* node = constant_node(value)) return constant_from_node(*node);
  const auto* init = initializer(value);
  if (!init || !is_supported_onnx_type(init->data_type())) return std::nullopt;
  try {
    return tensor_from_proto(*init, value);
  } catch (const Error&) {
    return std::nullopt;
  }
}

HostTensor GraphView::required_constant(const std::string& value) const {
  std::optional<HostTensor> t = constant(value);
  if (!t) throw Error("'" + value + "' is not a constant kiln can read");
  return std::move(*t);
}

std::optional<std::vector<double>> GraphView::constant_values(const std::string& value) const {
  auto t = constant(value);
  if (!t) return std::nullopt;
  return t->to_doubles();
}

std::optional<Shape> GraphView::shape(const std::string& value) const {
  if (const auto* init = initializer(value); init && is_constant(value)) {
    return Shape(init->dims().begin(), init->dims().end());
  }
  if (const auto* node = constant_node(value)) {
    if (auto t = constant_from_node(*node)) return t->shape;
  }
  const auto* type = scope_->type(value);
  if (!type || !type->has_tensor_type() || !type->tensor_type().has_shape()) return std::nullopt;
  Shape s;
  for (const auto& d : type->tensor_type().shape().dim())
    s.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return s;
}

int32_t GraphView::elem_type(const std::string& value) const {
  if (const auto* init = initializer(value)) return init->data_type();
  if (const auto* node = constant_node(value)) {
    if (auto t = constant_from_node(*node)) return static_cast<int32_t>(t->dtype);
  }
  const auto* type = scope_->type(value);
  if (!type || !type->has_tensor_type()) return 0;
  return type->tensor_type().elem_type();
}

const onnx::AttributeProto* find_attr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

int64_t attr_int(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  const auto* a = find_attr(node, name);
  return a ? a->i() : fallback;
}

float attr_float(const onnx::NodeProto& node, const std::string& name, float fallback) {
  const auto* a = find_attr(node, name);
  return a ? a->f() : fallback;
}

std::optional<std::vector<int64_t>> attr_ints(const onnx::NodeProto& node,
                                              const std::string& name) {
  const auto* a = find_attr(node, name);
  if (!a) return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::string attr_string(const onnx::NodeProto& node, const std::string& name,
                        const std::string& fallback) {
  const auto* a = find_attr(node, name);
  return a ? a->s() : fallback;
}

namespace {

// The node's attribute `name`, cleared for rewriting, or a new one.
onnx::AttributeProto* fresh_attribute(onnx::NodeProto& node, const std::string& name) {
  onnx::AttributeProto* attr = nullptr;
  for (auto& a : *node.mutable_attribute()) {
    if (a.name() == name) attr = &a;
  }
  if (!attr) attr = node.add_attribute();
  attr->Clear();
  attr->set_name(name);
  return attr;
}

}  // namespace

void set_attr_ints(onnx::NodeProto& node, const std::string& name,
                   const std::vector<int64_t>& values) {
  onnx::AttributeProto* attr = fresh_attribute(node, name);
  attr->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) attr->add_ints(v);
}

void set_attr_int(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* attr = fresh_attribute(node, name);
  attr->set_type(onnx::AttributeProto::INT);
  attr->set_i(value);
}

bool is_standard_domain(const std::string& domain) {
  return domain.empty() || domain == "ai.onnx";
}

bool has_subgraph(const onnx::NodeProto& node) {
  for (const auto& a : node.attribute()) {
    if (a.has_g() || a.graphs_size() > 0) return true;
  }
  return false;
}

std::string input_or_empty(const onnx::NodeProto& node, int i) {
  return i < node.input_size() ? node.input(i) : std::string();
}

}  // namespace kiln
