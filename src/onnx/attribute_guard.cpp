#include "onnx/attribute_guard.h"

#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <onnx/defs/schema.h>

#include "common/error.h"
#include "onnx/graph_walk.h"

namespace kiln {

namespace {

using Opsets = std::map<std::string, int64_t>;
using FunctionKey = std::pair<std::string, std::string>;  // domain, name

Opsets opsets_of(const google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto>& imports,
                 Opsets base = {}) {
  for (const auto& op : imports) base[op.domain() == "ai.onnx" ? "" : op.domain()] = op.version();
  return base;
}

std::string node_label(const onnx::NodeProto& n) {
  return n.name().empty() ? fmt::format("{} node", n.op_type())
                          : fmt::format("{} node '{}'", n.op_type(), n.name());
}

// The model-local functions, and for each the names of its attributes that become a `strides` in
// its body (directly through ref_attr_name, or passed on to another function that uses them so).
struct Functions {
  std::map<FunctionKey, std::set<std::string>> strides_parameters;
  std::map<FunctionKey, const onnx::FunctionProto*> by_key;
};

std::map<FunctionKey, std::set<std::string>> strides_parameters(const onnx::ModelProto& model) {
  std::map<FunctionKey, std::set<std::string>> params;
  for (bool grew = true; grew;) {  // a fixed point: functions may pass them on to each other
    grew = false;
    for (const auto& f : model.functions()) {
      auto& mine = params[{f.domain(), f.name()}];
      for_each_node(f.node(), [&](const onnx::NodeProto& n) {
        auto callee = params.find({n.domain(), n.op_type()});
        for (const auto& a : n.attribute()) {
          if (a.ref_attr_name().empty()) continue;
          bool to_strides = a.name() == "strides" ||
                            (callee != params.end() && callee->second.count(a.name()) > 0);
          if (to_strides) grew = mine.insert(a.ref_attr_name()).second || grew;
        }
      });
    }
  }
  return params;
}

void check_strides(const onnx::AttributeProto& a, const onnx::NodeProto& n,
                   const std::string& where, const std::string& via) {
  for (int64_t s : a.ints()) {
    if (s < 1) {
      throw Error(fmt::format("{}: {} {}stride {} (strides must be positive)", where, node_label(n),
                              via, s));
    }
  }
}

void check_node(const onnx::NodeProto& n, const Opsets& opsets, const Functions& functions,
                const std::string& where) {
  for (const auto& a : n.attribute()) {
    if (a.name() == "strides" && a.ref_attr_name().empty()) check_strides(a, n, where, "has ");
  }
  // A call of a model-local function whose body takes strides from the caller's attributes: the
  // values given here, else the function's defaults.
  const FunctionKey key{n.domain(), n.op_type()};
  auto params = functions.strides_parameters.find(key);
  if (params != functions.strides_parameters.end()) {
    const onnx::FunctionProto& f = *functions.by_key.at(key);
    for (const auto& name : params->second) {
      const std::string via =
          fmt::format("passes function '{}' (attribute '{}') a ", f.name(), name);
      bool given = false;
      for (const auto& a : n.attribute()) {
        if (a.name() != name) continue;
        given = true;
        if (a.ref_attr_name().empty()) check_strides(a, n, where, via);
      }
      if (given) continue;
      for (const auto& d : f.attribute_proto())
        if (d.name() == name) check_strides(d, n, where, via);
    }
  }
  const std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
  auto it = opsets.find(domain);
  if (it == opsets.end()) return;  // the checker refuses a domain the model does not import
  const auto* schema =
      onnx::OpSchemaRegistry::Schema(n.op_type(), static_cast<int>(it->second), domain);
  if (schema && n.output_size() < schema->min_output()) {
    throw Error(fmt::format("{}: {} has {} output(s); {}-{} needs at least {}", where,
                            node_label(n), n.output_size(), n.op_type(), schema->since_version(),
                            schema->min_output()));
  }
}

}  // namespace

void check_attributes_before_inference(const onnx::ModelProto& model, const std::string& what) {
  Functions functions;
  functions.strides_parameters = strides_parameters(model);
  for (const auto& f : model.functions()) functions.by_key[{f.domain(), f.name()}] = &f;
  const Opsets opsets = opsets_of(model.opset_import());
  for_each_node(model.graph(),
                [&](const onnx::NodeProto& n) { check_node(n, opsets, functions, what); });
  for (const auto& f : model.functions()) {
    const Opsets own = opsets_of(f.opset_import(), opsets);
    const std::string where = fmt::format("{}: function '{}'", what, f.name());
    for_each_node(f.node(),
                  [&](const onnx::NodeProto& n) { check_node(n, own, functions, where); });
  }
}

}  // namespace kiln
