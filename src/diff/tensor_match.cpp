#include "diff/tensor_match.h"

#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <onnx/shape_inference/implementation.h>

#include "onnx/graph_view.h"

namespace kiln {

namespace {

constexpr int kKeepInitializerBytes = 4096;  // shape tensors and scalars keep their values

ValueType value_type(const onnx::TypeProto& type) {
  ValueType out;
  if (!type.has_tensor_type()) return out;
  out.elem_type = type.tensor_type().elem_type();
  if (!type.tensor_type().has_shape()) return out;
  std::vector<int64_t> dims;
  for (const auto& d : type.tensor_type().shape().dim()) {
    dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    out.symbols.push_back(d.has_dim_param() ? d.dim_param() : "");
  }
  out.dims = dims;
  return out;
}

// Names of the values read as constants: initializers and Constant node outputs.
std::set<std::string> constant_names(const onnx::GraphProto& g) {
  std::set<std::string> out;
  for (const auto& t : g.initializer()) out.insert(t.name());
  for (const auto& n : g.node())
    if (n.op_type() == "Constant" && is_standard_domain(n.domain()))
      for (const auto& o : n.output()) out.insert(o);
  return out;
}

// The values a model computes, in its order: non-constant graph inputs, then node outputs.
struct Computed {
  std::vector<std::string> order;
  std::unordered_map<std::string, int> producer;  // -1: graph input
};
Computed computed_values(const onnx::GraphProto& g) {
  const std::set<std::string> constants = constant_names(g);
  Computed c;
  for (const auto& v : g.input()) {
    if (constants.count(v.name()) || c.producer.count(v.name())) continue;
    c.order.push_back(v.name());
    c.producer[v.name()] = -1;
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    if (n.op_type() == "Constant" && is_standard_domain(n.domain())) continue;
    for (const auto& o : n.output()) {
      if (o.empty() || c.producer.count(o)) continue;
      c.order.push_back(o);
      c.producer[o] = i;
    }
  }
  return c;
}

int64_t zero_point_min(int32_t type) {
  switch (type) {
    case onnx::TensorProto::INT8: return -128;
    case onnx::TensorProto::INT16: return -32768;
    default: return 0;
  }
}
int64_t zero_point_max(int32_t type) {
  switch (type) {
    case onnx::TensorProto::INT8: return 127;
    case onnx::TensorProto::INT16: return 32767;
    case onnx::TensorProto::UINT16: return 65535;
    default: return 255;
  }
}

// When `value` is read by a QuantizeLinear whose output a DequantizeLinear reads, with per-tensor
// constant parameters: that pair.
struct QdqChain {
  int q = -1, dq = -1;
  QuantizedTensorRecord params;
};
std::optional<QdqChain> qdq_after(const GraphView& view, const std::string& value) {
  for (int q : view.consumers(value)) {
    const auto& qn = view.node(q);
    if (qn.op_type() != "QuantizeLinear" || !is_standard_domain(qn.domain())) continue;
    if (qn.input_size() < 2 || qn.input(0) != value || qn.output_size() < 1) continue;
    for (int dq : view.consumers(qn.output(0))) {
      const auto& dn = view.node(dq);
      if (dn.op_type() != "DequantizeLinear" || !is_standard_domain(dn.domain())) continue;
      auto scale = view.constant_values(qn.input(1));
      if (!scale || scale->size() != 1 || !((*scale)[0] > 0)) continue;
      QdqChain c{q, dq, {}};
      c.params.scale = (*scale)[0];
      int32_t zp_type = onnx::TensorProto::UINT8;
      if (qn.input_size() > 2 && !qn.input(2).empty()) {
        auto zp = view.constant(qn.input(2));
        if (!zp || zp->numel() != 1) continue;
        c.params.zero_point = static_cast<int64_t>(zp->at(0));
        zp_type = static_cast<int32_t>(zp->dtype);
      }
      c.params.qmin = zero_point_min(zp_type);
      c.params.qmax = zero_point_max(zp_type);
      return c;
    }
  }
  return std::nullopt;
}

std::string node_label(const onnx::NodeProto& n, int index) {
  return n.name().empty() ? fmt::format("#{} ({})", index, n.op_type()) : n.name();
}

}  // namespace

std::map<std::string, ValueType> infer_value_types(const onnx::ModelProto& model) {
  // A copy without the weights' contents: inference needs their types and dims only.
  onnx::ModelProto light;
  light.set_ir_version(model.ir_version());
  *light.mutable_opset_import() = model.opset_import();
  const auto& src = model.graph();
  auto* dst = light.mutable_graph();
  *dst->mutable_node() = src.node();
  *dst->mutable_input() = src.input();
  *dst->mutable_output() = src.output();
  *dst->mutable_value_info() = src.value_info();
  for (const auto& t : src.initializer()) {
    if (static_cast<int64_t>(t.ByteSizeLong()) <= kKeepInitializerBytes) {
      *dst->add_initializer() = t;
      continue;
    }
    auto* c = dst->add_initializer();
    c->set_name(t.name());
    c->set_data_type(t.data_type());
    *c->mutable_dims() = t.dims();
  }
  try {
    onnx::shape_inference::InferShapes(light);
  } catch (const std::exception&) {
    // Partial results stay in `light`: a model inference rejects gets fewer facts.
  }
  std::map<std::string, ValueType> out;
  const auto& g = light.graph();
  for (const auto* list : {&g.value_info(), &g.input(), &g.output()})
    for (const auto& v : *list)
      if (v.has_type()) out[v.name()] = value_type(v.type());
  return out;
}

std::vector<ReferenceValue> onnx_reference_values(const onnx::ModelProto& model,
                                                  const std::map<std::string, ValueType>& types) {
  const Computed c = computed_values(model.graph());
  std::vector<ReferenceValue> out;
  for (const auto& name : c.order) {
    const int p = c.producer.at(name);
    auto t = types.find(name);
    out.push_back({name, p < 0 ? std::string("graph input") : model.graph().node(p).op_type(),
                   t == types.end() ? ValueType{} : t->second, "",
                   t != types.end() && t->second.elem_type == 0});
  }
  return out;
}

TensorMatch match_tensors(const std::vector<ReferenceValue>& reference,
                          const onnx::ModelProto& target,
                          const std::map<std::string, ValueType>& target_types) {
  ModelScope scope(target, /*infer_types=*/false);
  // GraphView takes a mutable graph for the passes; here it only reads (no copy of the weights).
  GraphView view(const_cast<onnx::GraphProto&>(target.graph()), scope);
  const Computed tgt = computed_values(target.graph());
  std::unordered_map<std::string, const ReferenceValue*> ref;
  for (const auto& r : reference) ref.emplace(r.name, &r);
  auto type_of = [](const std::map<std::string, ValueType>& m, const std::string& name) {
    auto it = m.find(name);
    return it == m.end() ? ValueType{} : it->second;
  };
  auto op_of = [](const onnx::GraphProto& g, int producer) {
    return producer < 0 ? std::string("graph input") : g.node(producer).op_type();
  };

  TensorMatch match;
  std::set<std::string> used;  // target values compared or standing for a compared one
  for (const auto& name : tgt.order) {
    auto r = ref.find(name);
    if (r == ref.end()) continue;
    const int p = tgt.producer.at(name);
    const ValueType& rt = r->second->type;
    ValueType tt = type_of(target_types, name);
    const bool non_tensor =
        r->second->not_tensor || (target_types.count(name) && tt.elem_type == 0);
    if (non_tensor) {
      match.mismatched.push_back({name, op_of(target.graph(), p), "not a tensor (not compared)"});
      used.insert(name);
      continue;
    }
    if (rt.dims && tt.dims && rt.dims->size() != tt.dims->size()) {
      match.mismatched.push_back(
          {name, op_of(target.graph(), p),
           fmt::format("rank {} in the reference, {} in the target", rt.dims->size(),
                       tt.dims->size())});
      used.insert(name);
      continue;
    }
    TensorPair pair;
    pair.reference = name;
    pair.target = name;
    pair.source = r->second->source;
    pair.depth = p;
    if (p >= 0) {
      pair.node = node_label(target.graph().node(p), p);
      pair.op = target.graph().node(p).op_type();
    }
    pair.reference_type = rt.elem_type;
    pair.target_type = tt.elem_type;
    used.insert(name);
    if (auto chain = qdq_after(view, name)) {
      const auto& qn = target.graph().node(chain->q);
      const auto& dn = target.graph().node(chain->dq);
      pair.target = dn.output(0);
      pair.via = {node_label(qn, chain->q), node_label(dn, chain->dq)};
      pair.quant = chain->params;
      pair.target_type = type_of(target_types, pair.target).elem_type;
      used.insert(dn.output(0));  // compared; the integer Q output is listed as the target's own
    }
    match.pairs.push_back(pair);
  }
  for (const auto& r : reference) {
    if (tgt.producer.count(r.name)) continue;
    match.removed.push_back({r.name, r.op, "only in the reference (removed or renamed in the target)"});
  }
  for (const auto& name : tgt.order) {
    if (used.count(name)) continue;
    const int p = tgt.producer.at(name);
    std::string why = "only in the target";
    if (p >= 0) {
      const auto& n = target.graph().node(p);
      if (n.op_type() == "QuantizeLinear" || n.op_type() == "DequantizeLinear")
        why = fmt::format("only in the target: {} of {}", n.op_type(), n.input(0));
      else if (n.op_type() == "Cast")
        why = fmt::format("only in the target: Cast of {}", n.input(0));
    }
    match.added.push_back({name, op_of(target.graph(), p), why});
  }
  return match;
}

}  // namespace kiln
