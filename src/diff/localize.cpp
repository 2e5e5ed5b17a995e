#include "diff/localize.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "onnx/graph_view.h"

namespace kiln {

namespace {

std::string attribute_text(const onnx::AttributeProto& a) {
  auto join = [](const auto& values) {
    std::string s;
    for (const auto& v : values) s += (s.empty() ? "" : ",") + fmt::format("{}", v);
    return "[" + s + "]";
  };
  switch (a.type()) {
    case onnx::AttributeProto::INT: return std::to_string(a.i());
    case onnx::AttributeProto::FLOAT: return fmt::format("{}", a.f());
    case onnx::AttributeProto::STRING: return a.s();
    case onnx::AttributeProto::INTS: return join(a.ints());
    case onnx::AttributeProto::FLOATS: return join(a.floats());
    case onnx::AttributeProto::TENSOR: return "<tensor>";
    case onnx::AttributeProto::GRAPH: return "<graph>";
    default: return "<…>";
  }
}

struct Walk {
  std::vector<size_t> inputs;    // compared pairs reached
  std::vector<std::string> via;  // target nodes passed on the way (no counterpart)
};

}  // namespace

std::optional<FirstDivergentRecord> find_first_divergent(const onnx::GraphProto& target,
                                                         const std::vector<TensorPair>& pairs,
                                                         const std::vector<TensorDiffRecord>& records,
                                                         size_t* pair_index) {
  std::unordered_map<std::string, size_t> compared;  // target names standing for a pair
  for (size_t i = 0; i < pairs.size(); ++i) {
    compared.emplace(pairs[i].target, i);
    compared.emplace(pairs[i].reference, i);
  }
  std::unordered_map<std::string, int> producer;
  std::set<std::string> constants;
  for (const auto& t : target.initializer()) constants.insert(t.name());
  for (int i = 0; i < target.node_size(); ++i) {
    const auto& n = target.node(i);
    for (const auto& o : n.output()) producer.emplace(o, i);
    if (n.op_type() == "Constant" && is_standard_domain(n.domain()))
      for (const auto& o : n.output()) constants.insert(o);
  }
  auto label = [&](int i) {
    const auto& n = target.node(i);
    return n.name().empty() ? fmt::format("#{} ({})", i, n.op_type()) : n.name();
  };

  // The compared tensors node `start` is computed from.
  auto walk_back = [&](int start) {
    Walk w;
    std::set<std::string> seen;
    std::set<int> nodes_seen;
    std::vector<std::string> stack(target.node(start).input().begin(),
                                   target.node(start).input().end());
    while (!stack.empty()) {
      std::string v = stack.back();
      stack.pop_back();
      if (v.empty() || !seen.insert(v).second || constants.count(v)) continue;
      if (auto c = compared.find(v); c != compared.end()) {
        w.inputs.push_back(c->second);
        continue;
      }
      auto p = producer.find(v);
      if (p == producer.end() || !nodes_seen.insert(p->second).second) continue;
      w.via.push_back(label(p->second));
      for (const auto& in : target.node(p->second).input()) stack.push_back(in);
    }
    return w;
  };

  std::optional<size_t> fallback;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (!records[i].diverges) continue;
    Walk w;
    if (pairs[i].depth >= 0) w = walk_back(pairs[i].depth);
    bool inputs_within = true;
    for (size_t in : w.inputs) inputs_within = inputs_within && !records[in].diverges;
    if (!inputs_within) {
      if (!fallback) fallback = i;
      continue;
    }
    FirstDivergentRecord fd;
    const TensorPair& p = pairs[i];
    fd.node = p.depth >= 0 ? p.node : "";
    fd.op = p.depth >= 0 ? p.op : "graph input";
    fd.output = p.reference;
    fd.max_abs = records[i].max_abs;
    fd.relative_l2 = records[i].relative_l2;
    if (p.depth >= 0)
      for (const auto& a : target.node(p.depth).attribute()) fd.attributes[a.name()] = attribute_text(a);
    std::reverse(w.via.begin(), w.via.end());
    fd.via = w.via;
    for (const auto& v : p.via) fd.via.push_back(v);
    std::set<size_t> unique(w.inputs.begin(), w.inputs.end());
    for (size_t in : unique) fd.inputs.push_back(pairs[in].reference);
    if (pair_index) *pair_index = i;
    return fd;
  }
  if (fallback) {
    // Only reached when a diverging tensor's inputs diverge too but none came earlier in the
    // target's order (an order the two graphs do not share): report the earliest one.
    const TensorPair& p = pairs[*fallback];
    FirstDivergentRecord fd{p.node, p.depth >= 0 ? p.op : "graph input", p.reference,
                            records[*fallback].max_abs, records[*fallback].relative_l2, {}, p.via,
                            {}, {"its inputs diverge too; the graphs' orders differ here"}};
    if (pair_index) *pair_index = *fallback;
    return fd;
  }
  return std::nullopt;
}

}  // namespace kiln
