#include "export/export_context.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <onnx/shape_inference/implementation.h>
#include <ATen/ATen.h>
#include <torch/csrc/jit/ir/constants.h>

#include "common/error.h"
#include "export/promotion.h"

namespace kiln {


std::string describe_node(const Node* node) {
  std::ostringstream ss;
  ss << *node;
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

ExportContext::ExportContext(onnx::ModelProto& model, int opset) : model_(model), opset_(opset) {
  graphs_.push_back(model.mutable_graph());
}

std::string ExportContext::fresh(const std::string& hint) {
  for (;;) {
    int n = counters_[hint]++;
    std::string name = n == 0 ? hint : fmt::format("{}_{}", hint, n);
    if (reserved_.count(name) == 0) return name;
  }
}

bool ExportContext::is_constant(const Value* v) const {
  return v->node()->kind() == c10::prim::Constant || known_.count(v) != 0;
}

c10::IValue ExportContext::constant(const Value* v) const {
  if (auto it = known_.find(v); it != known_.end()) return it->second;
  auto iv = torch::jit::toIValue(v);
  if (!iv) throw Error(fmt::format("expected a constant for input '{}' of {}", v->debugName(), describe_node(v->node())));
  return *iv;
}

bool ExportContext::is_none(const Value* v) const {
  return v->type()->kind() == c10::TypeKind::NoneType || (is_constant(v) && constant(v).isNone());
}

int64_t ExportContext::const_int(const Value* v) const {
  auto iv = constant(v);
  if (iv.isInt()) return iv.toInt();
  if (iv.isBool()) return iv.toBool();
  if (iv.isTensor() && iv.toTensor().numel() == 1) return iv.toTensor().item<int64_t>();
  throw Error(fmt::format("expected an integer constant in {}", describe_node(v->node())));
}

double ExportContext::const_double(const Value* v) const {
  auto iv = constant(v);
  if (iv.isDouble()) return iv.toDouble();
  if (iv.isInt()) return static_cast<double>(iv.toInt());
  if (iv.isBool()) return iv.toBool();
  if (iv.isTensor() && iv.toTensor().numel() == 1) return iv.toTensor().item<double>();
  throw Error(fmt::format("expected a number constant in {}", describe_node(v->node())));
}

bool ExportContext::const_bool(const Value* v) const {
  auto iv = constant(v);
  if (iv.isBool()) return iv.toBool();
  if (iv.isInt()) return iv.toInt() != 0;
  throw Error(fmt::format("expected a bool constant in {}", describe_node(v->node())));
}

std::vector<int64_t> ExportContext::const_ints(const Value* v) const {
  auto iv = constant(v);
  if (iv.isIntList()) return iv.toIntVector();
  if (iv.isInt()) return {iv.toInt()};
  throw Error(fmt::format("expected a constant int list in {}", describe_node(v->node())));
}

std::optional<at::Tensor> ExportContext::const_tensor(const Value* v) const {
  if (!is_constant(v)) return std::nullopt;
  auto iv = constant(v);
  if (!iv.isTensor()) return std::nullopt;
  return iv.toTensor();
}

std::optional<std::vector<const Value*>> ExportContext::list_elements(const Value* v) const {
  auto it = lists_.find(v);
  if (it == lists_.end()) return std::nullopt;
  return it->second;
}

const Value* ExportContext::mint(const std::string& onnx_name, const c10::TypePtr& type) {
  Value* v = scratch_->addInput();
  v->setType(type);
  names_[v] = onnx_name;
  return v;
}

const Value* ExportContext::mint_static(const c10::IValue& value, const c10::TypePtr& type) {
  Value* v = scratch_->addInput();
  v->setType(type);
  known_[v] = value;
  return v;
}

const ExportContext::DictRecord* ExportContext::dict_of(const Value* v) const {
  auto it = dicts_.find(v);
  return it == dicts_.end() ? nullptr : &it->second;
}

void ExportContext::alias_value(const Value* dst, const Value* src) {
  if (dst == src) return;
  clear(dst);
  if (auto k = known_.find(src); k != known_.end()) known_[dst] = k->second;
  else if (src->node()->kind() == c10::prim::Constant) known_[dst] = constant(src);
  if (auto l = lists_.find(src); l != lists_.end()) lists_[dst] = l->second;
  if (auto d = dicts_.find(src); d != dicts_.end()) dicts_[dst] = d->second;
  if (auto n = names_.find(src); n != names_.end()) names_[dst] = n->second;
  if (auto s = symbols_.find(src); s != symbols_.end()) symbols_[dst] = s->second;
  if (poisoned(src)) poison(dst);
  if (auto r = refused_.find(src); r != refused_.end()) refused_[dst] = r->second;
}

void ExportContext::record_problem(const Node* node, const std::string& message) {
  std::string op = node->kind().toQualString();
  // The reason without the node (reported apart as the first place) and the CLI hint.
  std::string reason = message;
  if (auto at = reason.find(" [at: "); at != std::string::npos) reason = reason.substr(0, at);
  if (reason.rfind("unsupported op ", 0) == 0) {
    auto open = reason.find(" (");
    auto close = reason.rfind(") at: ");
    reason = open != std::string::npos && close != std::string::npos && close > open
                 ? "no converter for " + reason.substr(open + 2, close - open - 2)
                 : "no converter";
  }
  if (auto prefix = "cannot export " + op + ": "; reason.rfind(prefix, 0) == 0) reason = reason.substr(prefix.size());
  for (auto& p : problems_) {
    if (p.op == op) {
      ++p.count;
      return;
    }
  }
  problems_.push_back({op, reason, describe_node(node), 1});
}

std::string ExportContext::symbol_of(const Value* v) const {
  if (auto it = symbols_.find(v); it != symbols_.end()) return it->second;
  if (auto n = names_.find(v); n != names_.end()) {
    if (auto s = name_symbols_.find(n->second); s != name_symbols_.end()) return s->second;
  }
  return {};
}

std::vector<std::string> ExportContext::dim_symbols_of(const Value* v) {
  if (is_constant(v)) return {};
  std::string name = in(v);
  shape_of(name);
  auto it = symbol_cache_.find(name);
  return it == symbol_cache_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<std::vector<int64_t>> ExportContext::dims_of(const Value* v) {
  if (auto c = const_tensor(v)) return c->sizes().vec();
  if (auto s = shape_of(in(v))) return s;
  if (auto r = rank_of(v)) return std::vector<int64_t>(static_cast<size_t>(*r), -1);
  return std::nullopt;
}

void ExportContext::name_parameter(const at::Tensor& t, const std::string& name) {
  if (t.defined()) parameter_names_[t.unsafeGetTensorImpl()->storage().data()] = name;
}

std::string ExportContext::add_initializer(const at::Tensor& tensor, const std::string& hint) {
  std::string base = hint;
  if (tensor.defined() && tensor.has_storage()) {
    auto it = parameter_names_.find(tensor.unsafeGetTensorImpl()->storage().data());
    if (it != parameter_names_.end() && tensor.storage_offset() == 0) base = it->second;
  }
  auto type = onnx_dtype(tensor.scalar_type());
  if (!type) throw Error(fmt::format("tensor dtype {} has no ONNX equivalent", c10::toString(tensor.scalar_type())));
  std::string name = fresh(base);
  auto* init = main_graph().add_initializer();
  init->set_name(name);
  initializers_[name] = init;  // repeated-field elements keep their address
  init->set_data_type(*type);
  for (auto d : tensor.sizes()) init->add_dims(d);
  auto t = tensor.detach().cpu();
  if (t.numel() > kDeferredElements) {
    deferred_[name] = t;
    return name;
  }
  t = t.contiguous();
  init->set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
  return name;
}

void ExportContext::materialize_initializers() {
  for (auto& init : *main_graph().mutable_initializer()) {
    auto it = deferred_.find(init.name());
    if (it == deferred_.end()) continue;
    // (a view, e.g. a transposed weight, is laid out now: one tensor's copy at a time)
    at::Tensor t = it->second.contiguous();
    deferred_.erase(it);  // the last holder of a frozen weight: its memory goes with `t`
    init.set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
  }
  deferred_.clear();
}

std::string ExportContext::add_int64s(const std::vector<int64_t>& values, const std::string& hint, bool as_scalar) {
  auto t = at::tensor(values, at::kLong);
  if (as_scalar && values.size() == 1) t = t.reshape({});
  if (graphs_.size() <= 1 || values.size() > 64) return add_initializer(t, hint);
  // Inside a subgraph: a Constant node there. ONNX's subgraph inference reads no values of the
  // main graph's initializers, so an Unsqueeze's or Slice's axes from there leave the body's
  // shapes unknown (a Mask R-CNN's Resize in its paste loop then fails the final inference).
  // The name is fresh and used at once by the converter that asked, inside this subgraph.
  std::string name = fresh(hint);
  auto& n = add_node("Constant", {}, {name});
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  auto* tensor = a->mutable_t();
  tensor->set_data_type(onnx::TensorProto_DataType_INT64);
  for (auto d : t.sizes()) tensor->add_dims(d);
  tensor->set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
  initializers_[name] = tensor;  // its value, for converters that read constants by name
  return name;
}

std::string ExportContext::add_float_scalar(double value, onnx::TensorProto_DataType dtype, const std::string& hint) {
  at::Tensor t = dtype == onnx::TensorProto_DataType_DOUBLE ? at::scalar_tensor(value, at::kDouble)
                                                           : at::scalar_tensor(value, at::kFloat);
  return add_initializer(t.reshape({}), hint);
}

std::string ExportContext::in(const Value* v) {
  auto it = names_.find(v);
  if (it != names_.end()) return it->second;
  if (is_constant(v)) {
    auto iv = constant(v);
    std::string name;
    if (iv.isTensor()) name = add_initializer(iv.toTensor(), "const");
    else if (iv.isDouble()) name = add_float_scalar(iv.toDouble(), onnx::TensorProto_DataType_FLOAT, "scalar");
    // (main-graph initializers, never a subgraph's Constant: the name is kept for every later
    // use of the value, outside the subgraph too)
    else if (iv.isInt()) name = add_initializer(at::scalar_tensor(iv.toInt(), at::kLong), "int");
    else if (iv.isBool()) name = add_initializer(at::scalar_tensor(iv.toBool(), at::kBool), "bool");
    else if (iv.isIntList()) name = add_initializer(at::tensor(iv.toIntVector(), at::kLong), "ints");
    else throw Error(fmt::format("a constant of type {} cannot be an ONNX tensor ({})", iv.tagKind(), describe_node(v->node())));
    names_[v] = name;
    return name;
  }
  if (auto r = refused_.find(v); r != refused_.end()) throw Error(fmt::format("{} ({})", r->second, describe_node(v->node())));
  if (poisoned(v)) throw ReadsPoisonedValue(fmt::format("%{} comes from a node kiln could not convert", v->debugName()));
  // (a value kiln minted itself has no node worth printing: its Param lists every such value)
  throw Error(fmt::format("internal: value %{} used before it was converted ({})", v->debugName(),
                          v->node()->kind() == c10::prim::Param ? std::string("a value the exporter made") : describe_node(v->node())));
}

std::string ExportContext::out(const Value* v, const std::string& hint) {
  std::string name = fresh(hint.empty() ? std::string(v->node()->kind().toUnqualString()) : hint);
  clear(v);
  names_[v] = name;
  return name;
}

onnx::NodeProto& ExportContext::add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                                         const std::vector<std::string>& outputs) {
  // ONNX Runtime 1.21's CPU Where has no bool kernel at any opset ("Could not find an
  // implementation for Where(9)", Where(16) alike): a bool select runs on uint8, cast back.
  if (op_type == "Where" && inputs.size() == 3 && outputs.size() == 1 &&
      elem_type_of(inputs[1]) == onnx::TensorProto_DataType_BOOL) {
    auto as_u8 = [&](const std::string& v) {
      std::string out = fresh("where_u8");
      auto& c = add_node("Cast", {v}, {out});
      auto* to = c.add_attribute();
      to->set_name("to");
      to->set_type(onnx::AttributeProto::INT);
      to->set_i(onnx::TensorProto_DataType_UINT8);
      return out;
    };
    std::string selected = fresh("where_u8");
    add_node("Where", {inputs[0], as_u8(inputs[1]), as_u8(inputs[2])}, {selected});
    auto& back = add_node("Cast", {selected}, outputs);
    auto* to = back.add_attribute();
    to->set_name("to");
    to->set_type(onnx::AttributeProto::INT);
    to->set_i(onnx::TensorProto_DataType_BOOL);
    return back;
  }
  auto* n = graph().add_node();
  n->set_op_type(op_type);
  n->set_name(fresh("/" + op_type));
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return *n;
}

void ExportContext::record_type(const onnx::ValueInfoProto& vi) {
  if (!vi.type().has_tensor_type()) return;
  known_types_[vi.name()] = vi;
  type_cache_[vi.name()] = vi.type().tensor_type().elem_type();
  if (!vi.type().tensor_type().has_shape()) return;
  std::vector<int64_t> dims;
  std::vector<std::string> syms;
  for (const auto& d : vi.type().tensor_type().shape().dim()) {
    dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    syms.push_back(d.has_dim_param() ? d.dim_param() : "");
  }
  shape_cache_[vi.name()] = dims;
  symbol_cache_[vi.name()] = syms;
}

namespace {

void collect_outputs(const onnx::NodeProto& n, std::set<std::string>& out) {
  for (const auto& o : n.output()) out.insert(o);
  for (const auto& a : n.attribute()) {
    if (!a.has_g()) continue;
    for (const auto& sub : a.g().node()) collect_outputs(sub, out);
  }
}

void collect_inputs(const onnx::NodeProto& n, const std::set<std::string>& produced, std::set<std::string>& out) {
  for (const auto& i : n.input())
    if (!i.empty() && produced.count(i) == 0) out.insert(i);
  for (const auto& a : n.attribute()) {
    if (!a.has_g()) continue;
    for (const auto& sub : a.g().node()) collect_inputs(sub, produced, out);
  }
}

}  // namespace

// ONNX shape inference on the nodes added since the last call only, their inputs typed from what
// is already known (a whole-graph pass per query made big models quadratic: 629 passes over up to
// 1,400 nodes for MaxViT). Data propagation works within a converter's nodes, which is where a
// computed shape meets its Reshape; across calls the exporter's own hints carry what is known.
void ExportContext::infer_new_nodes() {
  for (const auto* g : graphs_) infer_graph_nodes(*g);  // outer graphs first: inner nodes read them
}

void ExportContext::infer_graph_nodes(const onnx::GraphProto& g) {
  auto& state = inference_[&g];
  int& inferred_upto_ = state.inferred_upto;
  const int n = g.node_size();
  if (state.inputs_recorded < g.input_size()) {  // declared before the first node is converted
    for (int i = state.inputs_recorded; i < g.input_size(); ++i) record_type(g.input(i));
    state.inputs_recorded = g.input_size();
  }
  if (inferred_upto_ >= n) return;
  static const bool trace = std::getenv("KILN_EXPORT_TRACE") != nullptr;
  if (trace) std::fprintf(stderr, "[export] shape inference over nodes %d..%d\n", inferred_upto_, n);
  onnx::ModelProto m;
  m.set_ir_version(model_.ir_version());
  *m.mutable_opset_import() = model_.opset_import();
  auto* mg = m.mutable_graph();
  mg->set_name("increment");
  std::set<std::string> produced, needed;
  for (int i = inferred_upto_; i < n; ++i) collect_outputs(g.node(i), produced);
  for (int i = inferred_upto_; i < n; ++i) collect_inputs(g.node(i), produced, needed);
  for (const auto& name : needed) {
    if (auto it = initializers_.find(name); it != initializers_.end()) {
      const onnx::TensorProto& init = *it->second;
      int64_t numel = 1;
      for (auto d : init.dims()) numel *= d;
      if (numel <= kSmallInitializerElements) {  // values drive data propagation (shapes, axes)
        *mg->add_initializer() = init;
        continue;
      }
      auto* vi = mg->add_input();
      vi->set_name(name);
      auto* tt = vi->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(init.data_type());
      for (auto d : init.dims()) tt->mutable_shape()->add_dim()->set_dim_value(d);
      continue;
    }
    if (auto it = known_types_.find(name); it != known_types_.end()) {
      *mg->add_input() = it->second;
      continue;
    }
    mg->add_input()->set_name(name);  // type unknown: what depends on it stays unknown
  }
  for (int i = inferred_upto_; i < n; ++i) *mg->add_node() = g.node(i);
  for (const auto& h : hints_)
    if (produced.count(h.name()) != 0) *mg->add_value_info() = h;
  try {
    onnx::ShapeInferenceOptions opts{/*check_type=*/false, /*error_mode=*/0, /*enable_data_propagation=*/true};
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception&) {
    // partial information is still useful; what failed stays unknown
  }
  std::unordered_map<std::string, std::string> renamed;  // this run's unk__N → kiln_dim_M
  for (auto& vi : *m.mutable_graph()->mutable_value_info()) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) continue;
    for (auto& d : *vi.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()) {
      if (!d.has_dim_param() || d.dim_param().rfind("unk__", 0) != 0) continue;
      auto [it, fresh] = renamed.try_emplace(d.dim_param());
      if (fresh) it->second = "kiln_dim_" + std::to_string(dim_symbols_++);
      d.set_dim_param(it->second);
    }
  }
  for (const auto& vi : m.graph().value_info()) {
    if (hinted_.count(vi.name()) == 0) record_type(vi);
  }
  inferred_upto_ = n;
}

std::optional<std::vector<int64_t>> ExportContext::shape_of(const std::string& onnx_name) {
  infer_new_nodes();
  if (auto it = shape_cache_.find(onnx_name); it != shape_cache_.end()) return it->second;
  if (auto it = initializers_.find(onnx_name); it != initializers_.end()) {
    return std::vector<int64_t>(it->second->dims().begin(), it->second->dims().end());
  }
  return std::nullopt;
}

void ExportContext::hint_shape(const std::string& onnx_name, int32_t elem_type, const std::vector<int64_t>& dims,
                               const std::vector<std::string>& symbols) {
  onnx::ValueInfoProto vi;
  vi.set_name(onnx_name);
  auto* tt = vi.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (size_t i = 0; i < dims.size(); ++i) {
    auto* d = shape->add_dim();
    if (dims[i] >= 0) d->set_dim_value(dims[i]);
    else if (i < symbols.size() && !symbols[i].empty()) d->set_dim_param(symbols[i]);
  }
  infer_new_nodes();  // the hinted value's node is already in the graph: settle it, then override
  record_type(vi);
  hinted_.insert(onnx_name);
  hints_.push_back(std::move(vi));
}

void ExportContext::release_torch_values() {
  known_.clear();
  lists_.clear();
  dicts_.clear();
  attributes_.clear();
  scratch_ = std::make_shared<torch::jit::Graph>();
}

void ExportContext::write_hints() {
  for (const auto& h : hints_) *main_graph().add_value_info() = h;
}

std::optional<int32_t> ExportContext::elem_type_of(const std::string& onnx_name) {
  infer_new_nodes();
  if (auto it = type_cache_.find(onnx_name); it != type_cache_.end() && it->second != 0) return it->second;
  if (auto it = initializers_.find(onnx_name); it != initializers_.end()) return it->second->data_type();
  return std::nullopt;
}

std::optional<int64_t> ExportContext::rank_of(const Value* v) {
  if (auto t = v->type()->cast<c10::TensorType>()) {
    if (auto dim = t->dim()) return static_cast<int64_t>(*dim);
  }
  if (auto c = const_tensor(v)) return c->dim();
  auto s = shape_of(in(v));
  if (!s) return std::nullopt;
  return static_cast<int64_t>(s->size());
}

}  // namespace kiln
