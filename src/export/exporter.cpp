// TorchScript → ONNX: load, run once on the declared example inputs, freeze (parameters become
// constants, methods are inlined), propagate the example's ranks and dtypes through the graph,
// convert node by node (op_registry.h; static values folded, dynamic ones computed in the graph),
// name the outputs after the model's return structure, check the model (full checker + shape
// inference), verify it in ONNX Runtime against LibTorch at the example size and at a second
// size of every dynamic dim, and only then write it.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <cstring>
#include <functional>
#include <optional>
#include <map>
#include <set>

#include <fmt/format.h>
#include <onnx/checker.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <onnx/shape_inference/implementation.h>
#include <torch/script.h>

#include "common/allocator_tuning.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/process_memory.h"
#include "common/shape.h"
#include "export/export_context.h"
#include "export/export_options.h"
#include "export/promotion.h"
#include "export/frozen_graph.h"
#include "export/verification_handoff.h"
#include "export/verification_oracles.h"
#include "export/verify_outputs.h"
#include "export/op_registry.h"
#include "onnx/model_io.h"
#include "optimize/optimizer.h"
#include "runtime/ort_session.h"
#include "runtime/torch_runner.h"
#include "runtime/example_inputs.h"
#include "torchscript/example_file.h"
#include "torchscript/op_libraries.h"
#include "torchscript/torch_runtime.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// "input shape 2x3x64x64" / "input shapes tokens 2x16, mask 2x16", for error messages.
std::string shapes_text(const std::vector<InputSpec>& specs, bool second) {
  if (specs.size() == 1) return "input shape " + format_shape(second ? specs[0].second_shape() : specs[0].example_shape());
  std::string t;
  for (const auto& s : specs) {
    t += fmt::format("{}{} {}", t.empty() ? "" : ", ", s.name, format_shape(second ? s.second_shape() : s.example_shape()));
  }
  return "input shapes " + t;
}

std::string sizes_text(const std::vector<InputSpec>& specs, bool second) {
  std::map<std::string, int64_t> symbols;
  for (const auto& s : specs)
    for (const auto& d : s.dims)
      if (d.dynamic()) symbols[d.symbol] = second ? d.second_size() : d.size;
  if (symbols.empty()) return "the static shapes";
  std::string t;
  for (const auto& [k, v] : symbols) t += fmt::format("{}{}={}", t.empty() ? "" : ", ", k, v);
  return t;
}

// Why a second size was tried and how to name another: "(the second verification size seq=32,
// twice the example 16; name another as SYMBOL=N/M in --input, or declare the dim static)".
std::string second_size_hint(const std::vector<InputSpec>& specs) {
  std::map<std::string, const DimSpec*> dims;
  for (const auto& s : specs)
    for (const auto& d : s.dims)
      if (d.dynamic()) dims.emplace(d.symbol, &d);
  std::string tried;
  for (const auto& [sym, d] : dims) {
    tried += fmt::format("{}{}={} ({})", tried.empty() ? "" : ", ", sym, d->second_size(),
                         d->second > 0 ? "as declared" : fmt::format("twice the example {}", d->size));
  }
  return fmt::format(" — the second verification size {}; name another as SYMBOL=N/M in --input (e.g. {}={}/{}), or "
                     "declare the dim static if the model takes one size",
                     tried, dims.begin()->first, dims.begin()->second->size, dims.begin()->second->size + 1);
}

c10::IValue run_module(torch::jit::Module& module, const std::vector<c10::IValue>& inputs, const std::string& what) {
  try {
    return module.forward(inputs);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("the model rejects {}: {}", what, torch_error_summary(e.what_without_backtrace())));
  } catch (const std::exception& e) {
    throw Error(fmt::format("the model rejects {}: {}", what, torch_error_summary(e.what())));
  }
}

// The tensors of a return value in output order (the graph side follows the same order and
// names, collect_outputs below).
void flatten_ivalue(const c10::IValue& v, std::vector<at::Tensor>& out) {
  for (auto& [name, t] : named_outputs(v)) out.push_back(t);
}


std::vector<std::string> dims_text(const onnx::TypeProto& t) {
  std::vector<std::string> dims;
  for (const auto& d : t.tensor_type().shape().dim()) {
    if (d.has_dim_param()) dims.push_back(d.dim_param());
    else if (d.has_dim_value()) dims.push_back(std::to_string(d.dim_value()));
    else dims.push_back("?");
  }
  return dims;
}

std::string type_name(int32_t elem) {
  return is_supported_onnx_type(elem) ? dtype_name(dtype_from_onnx(elem, "value")) : std::to_string(elem);
}

void count_ops(const onnx::GraphProto& g, std::map<std::string, int>& hist) {
  for (const auto& n : g.node()) {
    hist[n.op_type()]++;
    for (const auto& a : n.attribute()) {
      if (a.has_g()) count_ops(a.g(), hist);
    }
  }
}

// Renames a value everywhere it appears (node inputs and outputs, subgraphs included).
void rename_value(onnx::GraphProto& g, const std::string& from, const std::string& to) {
  for (auto& n : *g.mutable_node()) {
    for (auto& i : *n.mutable_input())
      if (i == from) i = to;
    for (auto& o : *n.mutable_output())
      if (o == from) o = to;
    for (auto& a : *n.mutable_attribute())
      if (a.has_g()) rename_value(*a.mutable_g(), from, to);
  }
}

// The tensors the main graph computes or takes as inputs: what the value map may name.
std::set<std::string> computed_names(const onnx::GraphProto& g) {
  std::set<std::string> names;
  for (const auto& n : g.node())
    for (const auto& out : n.output()) names.insert(out);
  for (const auto& in : g.input()) names.insert(in.name());
  return names;
}

bool is_graph_input_or_initializer(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& i : g.input())
    if (i.name() == name) return true;
  for (const auto& i : g.initializer())
    if (i.name() == name) return true;
  return false;
}

struct OutputLeaf {
  std::string name;
  std::string source;
  const Value* value;
};

// The graph side of the return value: tensors named by position (`output_0`) and dict key.
void collect_outputs(ExportContext& ctx, const Value* v, const std::string& name, const std::string& source,
                     bool top, const std::string& output_name, std::vector<OutputLeaf>& leaves,
                     std::vector<std::string>& nones) {
  if (const auto* d = ctx.dict_of(v)) {
    for (size_t i = 0; i < d->keys.size(); ++i) {
      collect_outputs(ctx, d->values[i], top ? d->keys[i] : name + "." + d->keys[i], source + "['" + d->keys[i] + "']",
                      false, output_name, leaves, nones);
    }
    return;
  }
  if (auto elems = ctx.list_elements(v)) {
    for (size_t i = 0; i < elems->size(); ++i) {
      std::string position = fmt::format("{}_{}", output_name, i);
      collect_outputs(ctx, (*elems)[i], top ? position : name + "." + position, fmt::format("{}[{}]", source, i),
                      false, output_name, leaves, nones);
    }
    return;
  }
  if (ctx.is_none(v)) {
    nones.push_back(source);
    return;
  }
  auto kind = v->type()->kind();
  bool number = kind == c10::TypeKind::IntType || kind == c10::TypeKind::FloatType || kind == c10::TypeKind::BoolType;
  if (is_non_tensor(v) && kind != c10::TypeKind::OptionalType && !number) {
    throw Error(fmt::format("the model returns {} of type {}, which has no ONNX form", source, v->type()->str()));
  }
  leaves.push_back({top ? output_name : name, source, v});
}

// Reserves every name a user chose (inputs, outputs, dict keys) so internal names never clash.
void reserve_names(ExportContext& ctx, const torch::jit::Block* block) {
  for (const Node* n : block->nodes()) {
    if (n->kind() == c10::prim::Constant && n->output()->type()->kind() == c10::TypeKind::StringType) {
      if (auto iv = torch::jit::toIValue(n->output())) ctx.reserve_name(iv->toStringRef());
    }
    for (const auto* b : n->blocks()) reserve_names(ctx, b);
  }
}

// One size set of the verification: the inputs and LibTorch's outputs for them, computed before
// the conversion so the model's weights can be released before ONNX Runtime loads its copy.
struct ReferenceCase {
  bool second = false;
  std::vector<c10::IValue> inputs;
  std::vector<at::Tensor> expected;
};

// The inputs of one size set: the user's example file's tensors (tiled for the second size), or
// seeded random ones drawn from the specs.
std::vector<c10::IValue> inputs_for(const std::vector<InputSpec>& specs, const ExampleSet* examples, bool second) {
  if (examples == nullptr) return example_inputs(specs, second, second ? 2 : 1);
  std::vector<c10::IValue> out;
  for (const auto& t : second ? examples->second : examples->first) out.emplace_back(to_torch(t));
  return out;
}

ReferenceCase reference_case(torch::jit::Module& module, const std::vector<InputSpec>& specs, const ExampleSet* examples,
                             bool second) {
  ReferenceCase c;
  c.second = second;
  c.inputs = inputs_for(specs, examples, second);
  ReferenceKernels reference_kernels;
  flatten_ivalue(run_module(module, c.inputs,
                            shapes_text(specs, second) + (second ? second_size_hint(specs) : "")),
                 c.expected);
  return c;
}

// The quantization step of each output that a DequantizeLinear with a constant scalar scale
// produces (a quantized model's dequantized output), else nullopt.
std::vector<std::optional<double>> output_steps(const onnx::GraphProto& g) {
  std::map<std::string, const onnx::NodeProto*> producer;
  for (const auto& n : g.node())
    for (const auto& o : n.output()) producer[o] = &n;
  auto scalar = [&](const std::string& name) -> std::optional<double> {
    for (const auto& init : g.initializer()) {
      if (init.name() != name || init.dims_size() != 0 || init.data_type() != onnx::TensorProto_DataType_FLOAT) continue;
      if (init.raw_data().size() == 4) {
        float f;
        std::memcpy(&f, init.raw_data().data(), 4);
        return f;
      }
      if (init.float_data_size() == 1) return init.float_data(0);
    }
    return std::nullopt;
  };
  std::vector<std::optional<double>> steps;
  for (const auto& out : g.output()) {
    std::string name = out.name();
    const onnx::NodeProto* n = producer.count(name) ? producer[name] : nullptr;
    while (n != nullptr && n->op_type() == "Identity" && producer.count(n->input(0))) n = producer[n->input(0)];
    steps.push_back(n != nullptr && n->op_type() == "DequantizeLinear" && n->input_size() > 1 ? scalar(n->input(1)) : std::nullopt);
  }
  return steps;
}

VerificationCase verification_case(const ReferenceCase& ref, const std::vector<InputSpec>& specs,
                                   const std::vector<OutputLeaf>& leaves) {
  VerificationCase c;
  c.sizes = sizes_text(specs, ref.second);
  for (size_t i = 0; i < specs.size(); ++i) c.inputs.push_back(from_torch(ref.inputs[i].toTensor(), specs[i].name));
  for (size_t i = 0; i < ref.expected.size(); ++i)
    c.expected.push_back(verification_tensor(ref.expected[i], i < leaves.size() ? leaves[i].name : ""));
  return c;
}

// Quantized models are run (and their packed weights prepacked at load) with QNNPACK when this
// LibTorch has it: its ops follow the float definitions ONNX's QDQ graphs express, while ONEDNN's
// quantized ConvTranspose in LibTorch 2.6 disagrees with them (measured: a relative error of 1.1
// on a 3→4 channel, stride-2 ConvTranspose2d, where QNNPACK is within half a quantization step).
// QNNPACK has no 3-d convolutions: a model with one keeps the default engine, whose Conv3d
// matches the float definition.
torch::jit::Module load_with_reference_quantized_engine(const std::filesystem::path& model) {
  auto module = load_torchscript(model);
  bool quantized = false, three_d = false;
  auto graph = module.get_method("forward").graph()->copy();
  torch::jit::Inline(*graph);
  // (graph_iterator.h has no include guard and frozen_graph.cpp shares this unity batch: a walk)
  std::function<void(const torch::jit::Block*)> walk = [&](const torch::jit::Block* block) {
    for (const torch::jit::Node* n : block->nodes()) {
      for (const torch::jit::Block* b : n->blocks()) walk(b);
      if (n->kind().ns() != c10::Symbol::fromQualString("namespaces::quantized")) continue;
      quantized = true;
      three_d |= std::string(n->kind().toUnqualString()).find("3d") != std::string::npos;
    }
  };
  walk(graph->block());
  // The engine is process-wide and a model's weights are prepacked for it at load: a 3-d model
  // (QNNPACK has no 3-d kernels) after a 2-d one in the same process needs the default back.
  static const c10::QEngine default_engine = at::globalContext().qEngine();
  if (!quantized) return module;
  if (three_d) {
    if (at::globalContext().qEngine() == default_engine) return module;
    at::globalContext().setQEngine(default_engine);
    return load_torchscript(model);
  }
  for (auto e : at::globalContext().supportedQEngines()) {
    if (e != c10::QEngine::QNNPACK) continue;
    at::globalContext().setQEngine(e);
    return load_torchscript(model);  // its weights prepacked for QNNPACK
  }
  return module;
}

// LibTorch's warnings while the model runs (`warnings.warn` in a scripted forward) go into the
// report instead of the terminal: a CLI's stderr is for its own one-line errors.
class WarningCollector : public c10::WarningHandler {
 public:
  void process(const c10::Warning& w) override {
    std::string msg = first_line(w.msg());
    for (const auto& m : messages)
      if (m == msg) return;
    messages.push_back(msg);
  }
  std::vector<std::string> messages;
};

}  // namespace

ExportResult export_onnx(const ExportOptions& o, const VerificationHandOver& hand_over) {
  auto t0 = std::chrono::steady_clock::now();
  ReturnMemoryPromptly prompt_free;  // the peak is one phase's, not the sum of what phases freed
  WarningCollector warnings;
  c10::WarningUtils::WarningHandlerGuard warning_guard(&warnings);
  o.validate();
  auto specs = o.resolved_inputs();
  // The user's own example values (--example): they set the dynamic dims' example sizes too.
  std::optional<ExampleSet> examples;
  if (!o.example.empty()) {
    examples = match_example_inputs(specs, read_example_file(o.example), o.example.string());
    if (!o.second_example.empty()) {
      use_second_example(*examples, read_example_file(o.second_example), o.second_example.string());
    }
    specs = examples->specs;
  }
  if (!o.check_only) ensure_writable_dir(o.out.parent_path().empty() ? fs::path(".") : o.out.parent_path());
  load_op_libraries(o.ops_libraries);
  trace_memory("start");
  auto module = load_with_reference_quantized_engine(o.model);
  trace_memory("load");
  torch::NoGradGuard no_grad;
  auto lap = [last = std::chrono::steady_clock::now()]() mutable {
    auto now = std::chrono::steady_clock::now();
    double s = std::chrono::duration<double>(now - last).count();
    last = now;
    return s;
  };
  ExportResult::Timings timings;
  timings.load = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // As many inputs as forward takes (self aside), before anything runs; trailing arguments with a
  // default (`steps: int = 6`) may be left out and keep it.
  const auto& forward_args = module.get_method("forward").function().getSchema().arguments();
  size_t arity = forward_args.size() - 1, required = arity;
  while (required > 0 && forward_args[required].default_value()) --required;
  if (specs.size() < required || specs.size() > arity) {
    std::string range = required == arity ? std::to_string(arity) : fmt::format("{} to {}", required, arity);
    throw Error(fmt::format("the model's forward takes {} inputs; {} declared (use --input NAME:DTYPE:DIMS once per input)",
                            range, specs.size()));
  }
  std::vector<c10::IValue> defaults;
  for (size_t i = specs.size() + 1; i < forward_args.size(); ++i) {
    const auto& value = forward_args[i].default_value();  // (every one past `required` has one)
    if (value) defaults.push_back(*value);
  }
  // Run on the example first: a wrong shape or dtype is the user's error, reported before export;
  // and at the second size of every dynamic dim (the references the export is verified against).
  bool has_dynamic = false;
  for (const auto& s : specs)
    for (const auto& d : s.dims) has_dynamic |= d.dynamic();
  std::vector<ReferenceCase> references;
  if (!o.check_only) {
    references.push_back(reference_case(module, specs, examples ? &*examples : nullptr, false));
    if (has_dynamic) references.push_back(reference_case(module, specs, examples ? &*examples : nullptr, true));
  }
  timings.reference = lap();
  trace_memory("reference");
  auto example = inputs_for(specs, examples ? &*examples : nullptr, /*second=*/false);
  std::vector<at::Tensor> example_outputs;
  if (o.check_only) flatten_ivalue(run_module(module, example, shapes_text(specs, false)), example_outputs);
  else example_outputs = references[0].expected;

  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("kiln");
  model.set_producer_version(KILN_VERSION);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(o.opset);
  auto* graph_proto = model.mutable_graph();
  graph_proto->set_name(fs::path(o.model).stem().string());

  ExportContext ctx(model, o.opset);
  ctx.set_collecting(o.check_only);
  for (const auto& p : module.named_parameters(/*recurse=*/true)) ctx.name_parameter(p.value, p.name);
  for (const auto& b : module.named_buffers(/*recurse=*/true)) ctx.name_parameter(b.value, b.name);

  auto frozen = freeze_for_export(module, example);
  auto graph = frozen.graph;
  module = torch::jit::Module();  // the frozen graph holds what the export needs (one copy of the weights less)
  trace_memory("freeze");
  std::vector<const Value*> tensor_inputs;
  for (const Value* v : graph->inputs()) {
    if (v->type()->cast<c10::ClassType>()) {  // self: attributes freezing kept are read from it (prim::GetAttr)
      ctx.set_known(v, frozen.module._ivalue());
      continue;
    }
    tensor_inputs.push_back(v);
  }
  if (tensor_inputs.size() != specs.size() + defaults.size()) {
    throw Error(fmt::format("the model's forward takes {} inputs; {} declared (use --input NAME:DTYPE:DIMS once per input)",
                            tensor_inputs.size(), specs.size()));
  }
  for (size_t i = 0; i < defaults.size(); ++i) ctx.set_known(tensor_inputs[specs.size() + i], defaults[i]);
  ctx.reserve_name(o.output_name);
  for (int i = 0; i < 64; ++i) ctx.reserve_name(fmt::format("{}_{}", o.output_name, i));
  reserve_names(ctx, graph->block());
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& s = specs[i];
    ctx.reserve_name(s.name);
    ctx.bind(tensor_inputs[i], s.name);
    auto* vi = graph_proto->add_input();
    vi->set_name(s.name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int32_t>(s.dtype));
    for (const auto& d : s.dims) {
      auto* dim = tt->mutable_shape()->add_dim();
      if (d.dynamic()) dim->set_dim_param(d.symbol);
      else dim->set_dim_value(d.size);
    }
  }

  convert_block(ctx, graph->block());
  trace_memory("convert");

  ExportResult result;
  result.model = fs::absolute(o.model).string();
  if (!o.example.empty()) result.example = fs::absolute(o.example).string();
  if (!o.second_example.empty()) result.second_example = fs::absolute(o.second_example).string();
  result.opset = o.opset;
  result.input_specs = specs;
  result.dropped_checks = ctx.dropped_checks;
  if (o.check_only) {
    result.check_only = true;
    for (const auto& p : ctx.problems()) result.unsupported.push_back({p.op, p.count, p.reason, p.where});
    result.unsupported_downstream_nodes = ctx.skipped_downstream;
    result.nodes = graph_proto->node_size();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
  }

  // Outputs after the return value's structure.
  std::vector<OutputLeaf> leaves;
  collect_outputs(ctx, ctx.block_results(graph->block())[0], o.output_name, "return", /*top=*/true, o.output_name, leaves,
                  result.dropped_none_outputs);
  if (leaves.empty()) throw Error("the model returns no tensor");
  std::set<std::string> used;
  std::map<std::string, std::string> renamed;  // a value's name before an output took it
  for (const auto& leaf : leaves) {
    if (!used.insert(leaf.name).second) throw Error(fmt::format("two outputs would both be named '{}'", leaf.name));
    if (const auto* q = ctx.quant_of(leaf.value)) {  // a quantized output is given dequantized, as the reference is
      std::string dq = ctx.fresh("dequantized");
      auto& n = ctx.add_node("DequantizeLinear", {ctx.in(leaf.value), q->scale, q->zero_point}, {dq});
      if (q->axis) {
        auto* a = n.add_attribute();
        a->set_name("axis");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(*q->axis);
      }
      ctx.bind(leaf.value, dq);
    }
    std::string produced = ctx.in(leaf.value);
    if (auto r = renamed.find(produced); r != renamed.end()) produced = r->second;  // another output took it
    // The producing node writes the output name itself, unless the value is an input, an
    // initializer or already another output (then an Identity).
    if (is_graph_input_or_initializer(*graph_proto, produced) || used.count(produced) != 0 || produced == leaf.name) {
      if (produced != leaf.name) ctx.add_node("Identity", {produced}, {leaf.name});
    } else {
      rename_value(*graph_proto, produced, leaf.name);
      renamed[produced] = leaf.name;
      ctx.rename_produced(produced, leaf.name);
      ctx.bind(leaf.value, leaf.name);
    }
    graph_proto->add_output()->set_name(leaf.name);
  }

  // The value-to-tensor map (kiln diff): every tensor value of the top block and the main-graph
  // ONNX tensor that carries it, looked up without converting anything more.
  {
    const std::set<std::string> computed = computed_names(*graph_proto);
    int index = 0;
    for (const Node* n : graph->nodes()) {
      for (size_t k = 0; k < n->outputs().size(); ++k) {
        const Value* v = n->outputs()[k];
        if (v->type()->kind() != c10::TypeKind::TensorType) continue;
        auto name = ctx.produced_name(v);
        result.values.push_back({index, static_cast<int>(k), n->kind().toQualString(),
                                 v->debugName(),
                                 name && computed.count(*name) ? *name : std::string()});
      }
      ++index;
    }
  }

  // Output types and shapes from ONNX shape inference on the declared (symbolic) inputs, with
  // what the exporter knows where ONNX cannot infer (Reshape to a computed shape). Inference and
  // the checker's shape pass run on a copy without the weights (a copy per step cost 4× the
  // model's size in memory); the weights are checked in place by the structural checker.
  ctx.write_hints();
  graph.reset();  // the frozen graph's constants: the deferred initializers keep what they need
  frozen = FrozenGraph();
  ctx.release_torch_values();
  ctx.materialize_initializers();
  return_free_memory();
  // An inference BatchNormalization after a Conv: folded into the Conv's weights (one conv's
  // weights at a time), as torch.onnx does; the value map then no longer finds the Conv's own
  // output, which the folded Conv does not compute.
  if (!o.keep_batch_norm) {
    result.folded_batch_norms = apply_pass(model, "fuse_bn_into_conv");
    if (result.folded_batch_norms > 0) {
      const std::set<std::string> computed = computed_names(*graph_proto);
      for (auto& v : result.values)
        if (!computed.count(v.onnx)) v.onnx.clear();
    }
  }
  trace_memory("initializers materialized, BatchNormalization folded");
  onnx::ModelProto inferred = without_weights(model);
  try {
    onnx::ShapeInferenceOptions opts{/*check_type=*/true, /*error_mode=*/1, /*enable_data_propagation=*/true};
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception& e) {
    // (KILN_EXPORT_KEEP, below: the graph that failed, without its weights, for a converter's author)
    if (const char* keep = std::getenv("KILN_EXPORT_KEEP")) write_file_atomic(keep, inferred.SerializeAsString());
    throw Error(fmt::format("exported graph failed ONNX shape inference: {}", first_line(e.what())));
  }
  for (int i = 0; i < graph_proto->output_size(); ++i) {
    auto* vi = graph_proto->mutable_output(i);
    for (const auto& v : inferred.graph().value_info()) {
      if (v.name() == vi->name()) *vi->mutable_type() = v.type();
    }
    if (!vi->type().tensor_type().has_elem_type() || vi->type().tensor_type().elem_type() == 0) {
      throw Error(fmt::format("internal: the type of output '{}' is unknown after shape inference", vi->name()));
    }
    // Where inference lost the shape, the rank is LibTorch's; the dims stay unnamed (unknown).
    if (!vi->type().tensor_type().has_shape() && static_cast<size_t>(i) < example_outputs.size()) {
      auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
      for (int64_t d = 0; d < example_outputs[static_cast<size_t>(i)].dim(); ++d) shape->add_dim();
    }
  }
  // Intermediate shapes for readers and later passes: the inferred value_info, outputs excluded.
  graph_proto->clear_value_info();
  for (const auto& v : inferred.graph().value_info()) {
    bool is_output = false;
    for (const auto& out : graph_proto->output()) is_output |= out.name() == v.name();
    if (!is_output) *graph_proto->add_value_info() = v;
  }
  try {
    onnx::checker::check_model(model, /*full_check=*/false);  // structure, initializers
    onnx::checker::check_model(without_weights(model), /*full_check=*/true);  // + strict shape inference
  } catch (const std::exception& e) {
    throw Error(fmt::format("the exported model fails the ONNX checker: {}", first_line(e.what())));
  }

  trace_memory("shape inference and checker");
  // Serialized straight into the output's temporary (renamed into place once verified; removed
  // when verification fails): no in-memory copy of the serialized model.
  FileSet files;
  const fs::path written = write_model_into(files, model, o.out);
  auto steps = output_steps(model.graph());
  result.file_size_bytes = fs::file_size(written);
  result.ir_version = model.ir_version();
  count_ops(model.graph(), result.op_histogram);
  result.nodes = model.graph().node_size();
  result.initializers = model.graph().initializer_size();
  for (const auto& vi : model.graph().input()) {
    result.inputs.push_back({vi.name(), type_name(vi.type().tensor_type().elem_type()), dims_text(vi.type()), "input"});
  }
  for (int i = 0; i < model.graph().output_size(); ++i) {
    const auto& vi = model.graph().output(i);
    result.outputs.push_back(
        {vi.name(), type_name(vi.type().tensor_type().elem_type()), dims_text(vi.type()), leaves[static_cast<size_t>(i)].source});
  }
  onnx::ModelProto().Swap(&model);  // the written file is the model from here on
  return_free_memory();
  trace_memory("write");

  // Proof before the file is renamed into place: ONNX Runtime against LibTorch at two sizes of
  // every dynamic dim (export/verify_outputs.h), here or, handed over, in a process without
  // LibTorch (export/verification_handoff.h).
  timings.export_ = lap();
  // For developing converters: KILN_EXPORT_KEEP=FILE keeps the unverified model there.
  if (const char* keep = std::getenv("KILN_EXPORT_KEEP")) {
    fs::copy_file(written, keep, fs::copy_options::overwrite_existing);
  }
  bool quantized = result.op_histogram.count("DynamicQuantizeLinear") != 0 || result.op_histogram.count("QuantizeLinear") != 0;
  const double tolerance = o.verify_tolerance.value_or(quantized ? kVerifyToleranceQuantized : kVerifyTolerance);
  std::vector<VerificationCase> cases;
  for (const auto& ref : references) cases.push_back(verification_case(ref, specs, leaves));
  references.clear();
  std::vector<std::string> output_names;
  for (const auto& leaf : leaves) output_names.push_back(leaf.name);
  const std::string reference_engine = quantized_engine_name();
  result.model_warnings = warnings.messages;
  result.timings = timings;
  result.onnx = fs::absolute(o.out).string();
  // A quantized model's verdict asks LibTorch's other int8 engine at nearly every size: handed
  // over, that is a kiln-torch child holding the model again (quantized ResNeXt-101 32x8d: peak
  // 499 -> 607 MiB, 0.8 s slower), so it verifies in place.
  std::optional<fs::path> handoff_dir;
  if (hand_over && !quantized && result.file_size_bytes >= hand_over_bytes()) handoff_dir = make_handoff_folder();
  if (handoff_dir) {
    VerificationHandoff h;
    h.result = result;
    h.options = o;
    h.written = written;
    h.tolerance = tolerance;
    h.output_names = output_names;
    h.steps = steps;
    h.cases = std::move(cases);
    h.started = std::chrono::duration<double>(t0.time_since_epoch()).count();
    h.files = files.release();
    hand_over(std::move(h), *handoff_dir);  // returns only by throwing
    throw Error("internal: the verification was not handed over");
  }

  // The float64 outputs, when an output needs them: computed for every case at once.
  std::optional<std::vector<std::optional<std::vector<HostTensor>>>> exact;
  VerificationOracles oracles;
  oracles.reference_engine = reference_engine;
  oracles.float64 = [&](size_t k) -> std::optional<std::vector<HostTensor>> {
    if (!exact) {
      exact = float64_outputs(o.model, cases);
      trace_memory("float64");
    }
    return k < exact->size() ? (*exact)[k] : std::nullopt;
  };
  oracles.other_engine = [&](size_t k) { return other_engine_outputs(o.model, cases[k], reference_engine); };
  result.verification = verify_written_model(written, cases, output_names, tolerance, steps, oracles);

  timings.verify = lap();
  files.commit();
  timings.export_ += lap();
  result.timings = timings;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

ExportResult export_onnx(const ExportOptions& o) {
  return export_onnx(o, nullptr);
}

std::vector<SupportedOp> supported_ops() {
  std::vector<SupportedOp> ops;
  for (OpWorld world : {OpWorld::Tensor, OpWorld::Scalar}) {
    for (const auto& [key, entry] : op_registry().entries(world)) {
      SupportedOp op;
      op.op = key;
      op.scalar = world == OpWorld::Scalar;
      op.signature = entry.versions.front().signature.text;
      for (const auto& v : entry.versions) {
        op.versions.push_back({v.since, v.onnx});
        op.static_only |= v.static_only;
      }
      ops.push_back(std::move(op));
    }
  }
  std::sort(ops.begin(), ops.end(), [](const SupportedOp& a, const SupportedOp& b) { return a.op < b.op || (a.op == b.op && a.scalar < b.scalar); });
  return ops;
}

}  // namespace kiln
