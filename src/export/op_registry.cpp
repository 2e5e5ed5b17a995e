#include "export/op_registry.h"

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

const OpTable& op_table() {
  static const OpTable table = [] {
    OpTable t;
    add_conv_ops(t);
    add_norm_ops(t);
    add_linear_ops(t);
    add_activation_ops(t);
    add_pooling_ops(t);
    add_shape_ops(t);
    add_elementwise_ops(t);
    add_reduce_ops(t);
    add_control_flow_ops(t);
    add_quantized_ops(t);
    return t;
  }();
  return table;
}

void unsupported(const Node* node, const std::string& why) {
  throw Error(fmt::format("cannot export {}: {} [at: {}]", node->kind().toQualString(), why, describe_node(node)));
}

void convert_block(ExportContext& ctx, const torch::jit::Block* block) {
  const auto& table = op_table();
  for (const Node* node : block->nodes()) {
    auto kind = node->kind();
    if (kind == c10::prim::Constant) continue;  // materialised on first use
    auto it = table.find(kind.toQualString());
    if (it == table.end()) {
      std::string schema = node->maybeSchema() != nullptr ? c10::toString(*node->maybeSchema()) : "no schema";
      throw Error(fmt::format("unsupported op {} ({}) at: {}; see kiln export --list-ops", kind.toQualString(), schema,
                              describe_node(node)));
    }
    it->second.convert(ctx, node);
  }
}

void alias(ExportContext& ctx, const Node* node) { ctx.bind(node->output(), ctx.in(node->input(0))); }

std::string reduce_mean(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& axes, bool keepdims,
                        const std::string& out) {
  if (ctx.opset() >= 18) {
    std::vector<std::string> inputs{x};
    if (!axes.empty()) inputs.push_back(ctx.add_int64s(axes, "axes"));
    auto& n = ctx.add_node("ReduceMean", inputs, {out});
    auto* k = n.add_attribute();
    k->set_name("keepdims");
    k->set_type(onnx::AttributeProto::INT);
    k->set_i(keepdims);
    return out;
  }
  auto& n = ctx.add_node("ReduceMean", {x}, {out});
  if (!axes.empty()) {
    auto* a = n.add_attribute();
    a->set_name("axes");
    a->set_type(onnx::AttributeProto::INTS);
    for (auto v : axes) a->add_ints(v);
  }
  auto* k = n.add_attribute();
  k->set_name("keepdims");
  k->set_type(onnx::AttributeProto::INT);
  k->set_i(keepdims);
  return out;
}

}  // namespace kiln
