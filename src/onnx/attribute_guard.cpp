#include "onnx/attribute_guard.h"

#include <map>

#include <fmt/format.h>
#include <onnx/defs/schema.h>

#include "common/error.h"

namespace kiln {

namespace {

using Opsets = std::map<std::string, int64_t>;

Opsets opsets_of(const google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto>& imports,
                 Opsets base = {}) {
  for (const auto& op : imports) base[op.domain() == "ai.onnx" ? "" : op.domain()] = op.version();
  return base;
}

std::string node_label(const onnx::NodeProto& n) {
  return n.name().empty() ? fmt::format("{} node", n.op_type())
                          : fmt::format("{} node '{}'", n.op_type(), n.name());
}

void check_node(const onnx::NodeProto& n, const Opsets& opsets, const std::string& where) {
  for (const auto& a : n.attribute()) {
    if (a.name() != "strides" || !a.ref_attr_name().empty()) continue;
    for (int64_t s : a.ints()) {
      if (s < 1) {
        throw Error(fmt::format("{}: {} has stride {} (strides must be positive)", where,
                                node_label(n), s));
      }
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

void check_nodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes,
                 const Opsets& opsets, const std::string& where) {
  for (const auto& n : nodes) {
    check_node(n, opsets, where);
    for (const auto& a : n.attribute()) {
      if (a.has_g()) check_nodes(a.g().node(), opsets, where);
      for (const auto& sub : a.graphs()) check_nodes(sub.node(), opsets, where);
    }
  }
}

}  // namespace

void check_attributes_before_inference(const onnx::ModelProto& model, const std::string& what) {
  const Opsets opsets = opsets_of(model.opset_import());
  check_nodes(model.graph().node(), opsets, what);
  for (const auto& f : model.functions()) {
    check_nodes(f.node(), opsets_of(f.opset_import(), opsets),
                fmt::format("{}: function '{}'", what, f.name()));
  }
}

}  // namespace kiln
