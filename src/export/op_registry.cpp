#include "export/op_registry.h"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "common/error.h"
#include "export/static_fold.h"

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
    add_indexing_ops(t);
    add_creation_ops(t);
    add_resize_ops(t);
    add_recurrent_ops(t);
    add_attention_ops(t);
    add_padding_ops(t);
    return t;
  }();
  return table;
}

const OpTable& scalar_op_table() {
  static const OpTable table = [] {
    OpTable t;
    add_scalar_ops(t);
    return t;
  }();
  return table;
}

void unsupported(const Node* node, const std::string& why) {
  throw Error(fmt::format("cannot export {}: {} [at: {}]", node->kind().toQualString(), why, describe_node(node)));
}

bool is_non_tensor(const Value* v) {
  auto k = v->type()->kind();
  return k != c10::TypeKind::TensorType;
}

namespace {

const OpEntry* find_converter(const Node* node) {
  std::string kind = node->kind().toQualString();
  bool all_non_tensor = !node->outputs().empty();
  for (const Value* o : node->outputs()) all_non_tensor &= is_non_tensor(o);
  if (all_non_tensor || node->outputs().empty()) {
    const auto& scalars = scalar_op_table();
    if (auto it = scalars.find(kind); it != scalars.end()) return &it->second;
  }
  const auto& tensors = op_table();
  if (auto it = tensors.find(kind); it != tensors.end()) return &it->second;
  const auto& scalars = scalar_op_table();
  if (auto it = scalars.find(kind); it != scalars.end()) return &it->second;
  return nullptr;
}

void convert_node(ExportContext& ctx, const Node* node) {
  // KILN_EXPORT_TRACE=1 prints each node as it is converted (for developing converters).
  static const bool trace = std::getenv("KILN_EXPORT_TRACE") != nullptr;
  if (trace) std::fprintf(stderr, "[export] %s\n", describe_node(node).c_str());
  if (try_static_fold(ctx, node)) {
    if (trace) std::fprintf(stderr, "[export]   folded\n");
    return;
  }
  const OpEntry* entry = find_converter(node);
  if (entry == nullptr) {
    std::string schema = node->maybeSchema() != nullptr ? c10::toString(*node->maybeSchema()) : "no schema";
    throw Error(fmt::format("unsupported op {} ({}) at: {}; see kiln export --list-ops", node->kind().toQualString(),
                            schema, describe_node(node)));
  }
  entry->convert(ctx, node);
}

}  // namespace

void convert_block(ExportContext& ctx, const torch::jit::Block* block) {
  for (const Node* node : block->nodes()) {
    if (node->kind() == c10::prim::Constant) continue;  // materialised on first use
    if (!ctx.collecting()) {
      convert_node(ctx, node);
      continue;
    }
    bool downstream = false;
    for (const Value* v : node->inputs()) downstream |= ctx.poisoned(v);
    if (downstream) {
      ++ctx.skipped_downstream;
      for (const Value* o : node->outputs()) ctx.poison(o);
      continue;
    }
    try {
      convert_node(ctx, node);
    } catch (const Error& e) {
      ctx.record_problem(node, first_line(e.what()));
      for (const Value* o : node->outputs()) ctx.poison(o);
    } catch (const c10::Error& e) {
      ctx.record_problem(node, first_line(e.what_without_backtrace()));
      for (const Value* o : node->outputs()) ctx.poison(o);
    } catch (const std::exception& e) {
      ctx.record_problem(node, std::string("internal: ") + first_line(e.what()));
      for (const Value* o : node->outputs()) ctx.poison(o);
    }
  }
}

std::string emit_transpose(ExportContext& ctx, const std::string& x, const std::vector<int64_t>& perm) {
  std::string out = ctx.fresh("transpose");
  auto& n = ctx.add_node("Transpose", {x}, {out});
  auto* a = n.add_attribute();
  a->set_name("perm");
  a->set_type(onnx::AttributeProto::INTS);
  for (auto p : perm) a->add_ints(p);
  return out;
}

void alias(ExportContext& ctx, const Node* node) { ctx.alias_value(node->output(), node->input(0)); }

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
