#include "export/op_registry.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "common/error.h"
#include "export/converter_util.h"
#include "export/static_fold.h"
#include "export/view_writeback.h"

namespace kiln {

namespace {

std::vector<std::string> split_keys(const std::string& keys) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= keys.size()) {
    size_t bar = keys.find('|', start);
    std::string k = keys.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (k.empty() || k.find("::") == std::string::npos) throw std::logic_error("op key '" + k + "' in '" + keys + "'");
    out.push_back(k);
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return out;
}

std::string bare_name(const std::string& key) {
  auto dot = key.find('.', key.find("::"));
  return dot == std::string::npos ? key : key.substr(0, dot);
}

}  // namespace

void OpRegistry::add(const std::string& keys, const std::string& signature, Converter convert, const std::string& onnx,
                     OpOptions options) {
  if (options.since < kMinOpset || options.since > kMaxOpset) {
    throw std::logic_error(fmt::format("op '{}': since opset {} is outside {}..{}", keys, options.since, kMinOpset, kMaxOpset));
  }
  Signature sig = parse_signature(signature);
  for (const auto& key : split_keys(keys)) {
    auto& table = options.world == OpWorld::Tensor ? tensor_ : scalar_;
    auto& entry = table[key];
    entry.key = key;
    entry.world = options.world;
    for (const auto& v : entry.versions) {
      if (v.since == options.since) {
        throw std::logic_error(fmt::format("op '{}' registered twice at opset {}", key, options.since));
      }
    }
    OpVersion version{options.since, sig, convert, onnx, options.static_only, options.complex, options.quantized};
    auto at = entry.versions.begin();
    while (at != entry.versions.end() && at->since < options.since) ++at;
    entry.versions.insert(at, std::move(version));
  }
}

void OpRegistry::add_static_only(const std::string& keys, const std::string& why) {
  OpOptions o;
  o.static_only = true;
  o.world = OpWorld::Scalar;
  add(keys, "...",
      [why](ExportContext&, const Node* node, const Args&) {
        unsupported(node, "kiln converts it only when every input is known at export (" + why +
                              "); here an input is computed at run time");
      },
      "nothing (folded at export: " + why + ")", o);
}

const OpEntry* OpRegistry::find(const std::string& key, OpWorld world) const {
  const auto& table = entries(world);
  auto it = table.find(key);
  return it == table.end() ? nullptr : &it->second;
}

const OpRegistry& op_registry() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_conv_ops(r);
    register_norm_ops(r);
    register_linear_ops(r);
    register_activation_ops(r);
    register_pooling_ops(r);
    register_shape_ops(r);
    register_elementwise_ops(r);
    register_reduce_ops(r);
    register_control_flow_ops(r);
    register_quantized_ops(r);
    register_indexing_ops(r);
    register_creation_ops(r);
    register_resize_ops(r);
    register_recurrent_ops(r);
    register_attention_ops(r);
    register_nested_ops(r);
    register_padding_ops(r);
    register_math_ops(r);
    register_layout_ops(r);
    register_cast_ops(r);
    register_logical_ops(r);
    register_sort_ops(r);
    register_masking_ops(r);
    register_signal_ops(r);
    register_torchvision_ops(r);
    register_embedding_ops(r);
    register_loss_ops(r);
    register_scalar_ops(r);
    return r;
  }();
  return registry;
}

void unsupported(const Node* node, const std::string& why) {
  throw Error(fmt::format("cannot export {}: {} [at: {}]", node->kind().toQualString(), why, describe_node(node)));
}

bool is_non_tensor(const Value* v) {
  auto k = v->type()->kind();
  return k != c10::TypeKind::TensorType;
}

std::optional<SelectedOp> select_converter(const Node* node, int opset) {
  const auto& r = op_registry();
  std::string key = op_key(node);
  std::string bare = bare_name(key);
  bool all_non_tensor = true;
  for (const Value* o : node->outputs()) all_non_tensor &= is_non_tensor(o);
  std::vector<OpWorld> order = all_non_tensor ? std::vector<OpWorld>{OpWorld::Scalar, OpWorld::Tensor}
                                              : std::vector<OpWorld>{OpWorld::Tensor, OpWorld::Scalar};
  const OpEntry* entry = nullptr;
  for (OpWorld w : order) {
    if ((entry = r.find(key, w)) != nullptr) break;
    if ((entry = r.find(bare, w)) != nullptr) break;
  }
  if (entry == nullptr) return std::nullopt;
  const OpVersion* chosen = nullptr;
  for (const auto& v : entry->versions)
    if (v.since <= opset) chosen = &v;
  if (chosen == nullptr) {
    unsupported(node, fmt::format("kiln converts {} from opset {} (--opset {} was asked; kiln writes opsets {}..{})",
                                  entry->key, entry->versions.front().since, opset, kMinOpset, kMaxOpset));
  }
  return SelectedOp{entry, chosen};
}

namespace {

// An in-place op (`y.add_(x)`, `y[idx] = v`) returns the tensor it wrote to, and TorchScript keeps
// using the input value afterwards: that value now names the op's result.
void rebind_mutated_input(ExportContext& ctx, const Node* node) {
  const auto* schema = node->maybeSchema();
  if (schema == nullptr || schema->arguments().empty() || node->inputs().empty() || node->outputs().empty()) return;
  const auto& alias = schema->arguments()[0].alias_info();
  if (!alias || !alias->isWrite()) return;
  const Value* target = node->input(0);
  if (target->type()->kind() != c10::TypeKind::TensorType || !ctx.is_bound(node->output(0))) return;
  // What an in-place op writes keeps self's dtype (x.gt_(y) on floats is float, 0 or 1).
  auto self_name = ctx.name_of(target), out_name = ctx.name_of(node->output(0));
  if (self_name && out_name && ctx.quant_of(target) == nullptr) {
    auto self_type = ctx.elem_type_of(*self_name), out_type = ctx.elem_type_of(*out_name);
    if (self_type && out_type && *self_type != *out_type) {
      ctx.bind(node->output(0), emit_cast(ctx, *out_name, *self_type));
      ctx.record_produced(node->output(0));
    }
  }
  if (target->node()->kind() == c10::prim::Constant) return;  // a folded constant is not rewritten
  ctx.alias_value(target, node->output(0));
  // `y[:, idx] = v` writes into a view of y: y changes too.
  if (auto written = ctx.name_of(node->output(0))) write_back_through_views(ctx, target, *written);
}

void convert_node(ExportContext& ctx, const Node* node) {
  // KILN_EXPORT_TRACE=1 prints each node as it is converted (for developing converters).
  static const bool trace = std::getenv("KILN_EXPORT_TRACE") != nullptr;
  if (trace) std::fprintf(stderr, "[export] %s\n", describe_node(node).c_str());
  if (try_static_fold(ctx, node)) {
    if (trace) std::fprintf(stderr, "[export]   folded\n");
    return;
  }
  auto selected = select_converter(node, ctx.opset());
  if (!selected) {
    std::string schema = node->maybeSchema() != nullptr ? c10::toString(*node->maybeSchema()) : "no schema";
    throw Error(fmt::format("unsupported op {} ({}) at: {}; see kiln export --list-ops", node->kind().toQualString(),
                            schema, describe_node(node)));
  }
  if (!selected->version->complex && selected->entry->world == OpWorld::Tensor) {
    for (const Value* v : node->inputs()) {
      if (ctx.is_complex(v)) {
        unsupported(node, "a complex input (kiln carries complex tensors as real pairs and converts abs, angle, real, imag, "
                          "view_as_real, conj, +, −, × and the FFTs on them)");
      }
    }
  }
  Args args = parse_args(ctx, node, selected->version->signature);
  if (!selected->version->quantized && selected->entry->world == OpWorld::Tensor) {
    for (const Value* v : node->inputs()) {
      if (ctx.quant_of(v) != nullptr) return convert_with_dequantized_inputs(ctx, node, args, selected->version->convert);
    }
  }
  selected->version->convert(ctx, node, args);
  for (const Value* o : node->outputs()) ctx.record_produced(o);
  rebind_mutated_input(ctx, node);
}

}  // namespace

void convert_block(ExportContext& ctx, const torch::jit::Block* block) {
  ctx.clear_block_results(block);  // an unrolled loop converts its body again
  convert_rest_of_block(ctx, *block->nodes().begin());
}

void convert_rest_of_block(ExportContext& ctx, const Node* first) {
  const torch::jit::Block* block = first->owningBlock();
  for (const Node* node = first; node != block->return_node(); node = node->next()) {
    if (const auto* until = ctx.rest_converted_until()) {  // an If converted the rest inside its branches
      if (until == block) ctx.clear_rest_converted();
      return;
    }
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
    const auto depth = ctx.depth();
    try {
      convert_node(ctx, node);
    } catch (const ReadsPoisonedValue&) {
      ctx.unwind(depth);
      ++ctx.skipped_downstream;
      for (const Value* o : node->outputs()) ctx.poison(o);
    } catch (const Error& e) {
      ctx.unwind(depth);
      ctx.record_problem(node, first_line(e.what()));
      for (const Value* o : node->outputs()) ctx.poison(o);
    } catch (const c10::Error& e) {
      ctx.unwind(depth);
      ctx.record_problem(node, first_line(e.what_without_backtrace()));
      for (const Value* o : node->outputs()) ctx.poison(o);
    } catch (const std::exception& e) {
      ctx.unwind(depth);
      ctx.record_problem(node, std::string("internal: ") + first_line(e.what()));
      for (const Value* o : node->outputs()) ctx.poison(o);
    }
  }
  if (ctx.rest_converted_until() == block) ctx.clear_rest_converted();  // set by the block's last node
}

}  // namespace kiln
