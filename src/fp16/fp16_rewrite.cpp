#include "fp16/fp16_rewrite.h"

#include <set>
#include <vector>

#include "onnx/graph_edit.h"
#include "onnx/graph_view.h"
#include "tensor/host_tensor.h"

namespace kiln {

namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;
constexpr int32_t kHalf = onnx::TensorProto::FLOAT16;

// A float32 TensorProto as float16 (same name and shape).
void tensor_to_half(onnx::TensorProto& proto) {
  HostTensor f = tensor_from_proto(proto, proto.name());
  HostTensor h(f.name, DType::Float16, f.shape);
  const float* src = f.ptr<float>();
  for (int64_t i = 0; i < f.numel(); ++i) h.set(i, src[i]);
  onnx::TensorProto out;
  tensor_to_proto(h, &out);
  proto = out;
}

onnx::NodeProto cast_to(const std::string& from, const std::string& to, int32_t type,
                        const std::string& name) {
  onnx::NodeProto cast = make_node("Cast", {from}, {to}, name);
  set_attr_int(cast, "to", type);
  return cast;
}

bool uses_value(const onnx::GraphProto& graph, const std::string& name) {
  for (const auto& n : graph.node()) {
    for (const auto& in : n.input())
      if (in == name) return true;
    for (const auto& a : n.attribute()) {
      if (a.has_g() && uses_value(a.g(), name)) return true;
      for (const auto& g : a.graphs())
        if (uses_value(g, name)) return true;
    }
  }
  return false;
}

}  // namespace

Fp16Rewrite convert_to_fp16(onnx::ModelProto& model, const std::map<int, std::string>& blocked,
                            bool keep_io_types) {
  Fp16Rewrite r;
  auto& g = *model.mutable_graph();
  ModelScope scope(model);
  GraphView view(g, scope);
  auto is_float = [&](const std::string& t) { return !t.empty() && view.elem_type(t) == kFloat; };

  std::set<std::string> init_names;
  for (const auto& t : g.initializer())
    if (t.data_type() == kFloat) init_names.insert(t.name());
  std::set<std::string> outputs;
  for (const auto& o : g.output()) outputs.insert(o.name());

  // Where each float value lives: true = float16.
  std::map<std::string, bool> half;
  for (const auto& in : g.input())
    if (!init_names.count(in.name()) && is_float(in.name())) half[in.name()] = !keep_io_types;
  for (int i = 0; i < view.node_count(); ++i)
    for (const auto& o : view.node(i).output())
      if (is_float(o)) half[o] = !blocked.count(i);
  // Initializers read only by FP16 nodes (and not graph outputs) become float16 in place.
  for (const auto& name : init_names) {
    bool all_half = !outputs.count(name) && !view.consumers(name).empty();
    for (int c : view.consumers(name)) all_half = all_half && !blocked.count(c);
    half[name] = all_half;
  }

  // An FP16 graph output keeps its name (the interface) behind a final Cast with keep_io_types.
  std::vector<onnx::NodeProto> final_casts;
  for (auto& o : *g.mutable_output()) {
    const std::string name = o.name();
    if (!half.count(name) || !half[name] || init_names.count(name)) continue;
    if (!keep_io_types) {
      o.mutable_type()->mutable_tensor_type()->set_elem_type(kHalf);
      continue;
    }
    const std::string inner = scope.unique_name(name + "_fp16");
    replace_uses(g, name, inner);
    for (auto& n : *g.mutable_node())
      for (auto& out : *n.mutable_output())
        if (out == name) out = inner;
    half[inner] = true;
    final_casts.push_back(
        cast_to(inner, name, kFloat, scope.unique_name(name + "_to_fp32")));
    half[name] = false;
    ++r.casts;
  }
  if (!keep_io_types)
    for (auto& in : *g.mutable_input())
      if (half.count(in.name()) && half[in.name()])
        in.mutable_type()->mutable_tensor_type()->set_elem_type(kHalf);

  // The nodes again, in order, with the Casts each one needs emitted right before it.
  std::vector<onnx::NodeProto> nodes;
  std::map<std::string, std::string> as_half, as_float;  // value → its converted name
  std::vector<onnx::TensorProto> copies;
  auto cast_node = [&](const std::string& from, int32_t to_type) {
    const std::string to_name = scope.unique_name(from + (to_type == kHalf ? "_fp16" : "_fp32"));
    nodes.push_back(cast_to(from, to_name, to_type, scope.unique_name(to_name + "_cast")));
    ++r.casts;
    return to_name;
  };
  auto need = [&](const std::string& t, bool want_half) -> std::string {
    if (!half.count(t) || half[t] == want_half) return t;
    auto& memo = want_half ? as_half : as_float;
    if (auto it = memo.find(t); it != memo.end()) return it->second;
    std::string name;
    if (want_half && init_names.count(t)) {  // an FP16 copy of an initializer FP32 nodes read too
      for (const auto& init : g.initializer())
        if (init.name() == t) copies.push_back(init);
      name = scope.unique_name(t + "_fp16");
      copies.back().set_name(name);
      tensor_to_half(copies.back());
      ++r.initializers;
    } else {
      name = cast_node(t, want_half ? kHalf : kFloat);
    }
    memo[t] = name;
    return name;
  };

  for (int i = 0; i < view.node_count(); ++i) {
    onnx::NodeProto node = view.node(i);
    const bool fp32 = blocked.count(i) > 0;
    (fp32 ? r.fp32_nodes : r.fp16_nodes)++;
    for (auto& in : *node.mutable_input())
      if (!in.empty()) in = need(in, !fp32);
    if (fp32) {
      // Values read inside its subgraphs from this scope, converted back for them.
      for (auto& a : *node.mutable_attribute()) {
        std::vector<onnx::GraphProto*> subs;
        if (a.has_g()) subs.push_back(a.mutable_g());
        for (auto& sg : *a.mutable_graphs()) subs.push_back(&sg);
        for (auto* sg : subs)
          for (const auto& [value, is_half] : half)
            if (is_half && uses_value(*sg, value)) replace_uses(*sg, value, need(value, false));
      }
    } else {
      for (auto& a : *node.mutable_attribute()) {
        if (node.op_type() == "Cast" && a.name() == "to" && a.i() == kFloat) a.set_i(kHalf);
        if ((node.op_type() == "Constant" || node.op_type() == "ConstantOfShape") &&
            a.name() == "value" && a.has_t() && a.t().data_type() == kFloat)
          tensor_to_half(*a.mutable_t());
      }
    }
    nodes.push_back(std::move(node));
  }
  for (auto& c : final_casts) nodes.push_back(std::move(c));
  g.clear_node();
  for (auto& n : nodes) *g.add_node() = std::move(n);

  for (auto& init : *g.mutable_initializer())
    if (init_names.count(init.name()) && half[init.name()]) {
      tensor_to_half(init);
      ++r.initializers;
    }
  for (auto& c : copies) *g.add_initializer() = std::move(c);
  for (auto& in : *g.mutable_input())  // IR < 4 lists initializers among the inputs
    if (init_names.count(in.name()) && half[in.name()])
      in.mutable_type()->mutable_tensor_type()->set_elem_type(kHalf);
  // Declared types follow the values (shapes are kept).
  for (auto& vi : *g.mutable_value_info())
    if (half.count(vi.name()) && half[vi.name()] && vi.type().has_tensor_type())
      vi.mutable_type()->mutable_tensor_type()->set_elem_type(kHalf);
  return r;
}

}  // namespace kiln
