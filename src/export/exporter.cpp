// TorchScript → ONNX: load, freeze (parameters become constants, methods are inlined), remove
// eval-mode dropout, propagate constants, then convert node by node (op_registry.h), name the
// graph's inputs and outputs, check the model (full checker + shape inference) and write it.
#include <map>

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/lower_tuples.h>
#include <torch/csrc/jit/passes/remove_dropout.h>
#include <torch/script.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/shape.h"
#include "export/export_context.h"
#include "export/export_options.h"
#include "export/op_registry.h"
#include "torchscript/torch_runtime.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

void set_tensor_type(onnx::ValueInfoProto* vi, onnx::TensorProto_DataType dtype, const std::vector<int64_t>& dims,
                     bool symbolic_batch) {
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(dtype);
  auto* shape = tt->mutable_shape();
  shape->clear_dim();
  for (size_t i = 0; i < dims.size(); ++i) {
    auto* d = shape->add_dim();
    if (i == 0 && symbolic_batch) d->set_dim_param("batch");
    else if (dims[i] >= 0) d->set_dim_value(dims[i]);
  }
}

std::shared_ptr<torch::jit::Graph> frozen_graph(torch::jit::Module& module) {
  module.eval();
  torch::jit::Module frozen;
  try {
    frozen = torch::jit::freeze_module(module);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("cannot freeze the module: {}", first_line(e.what_without_backtrace())));
  }
  auto graph = frozen.get_method("forward").graph()->copy();
  torch::jit::Inline(*graph);
  torch::jit::removeDropout(graph);
  torch::jit::LowerSimpleTuples(graph);
  torch::jit::ConstantPropagation(graph);
  torch::jit::EliminateDeadCode(graph);
  return graph;
}

nlohmann::json value_info_json(const onnx::ValueInfoProto& vi) {
  nlohmann::json shape = nlohmann::json::array();
  for (const auto& d : vi.type().tensor_type().shape().dim()) {
    if (d.has_dim_param()) shape.push_back(d.dim_param());
    else if (d.has_dim_value()) shape.push_back(d.dim_value());
    else shape.push_back("?");
  }
  return {{"name", vi.name()},
          {"dtype", onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(vi.type().tensor_type().elem_type()))},
          {"shape", shape}};
}

void count_ops(const onnx::GraphProto& g, std::map<std::string, int>& hist) {
  for (const auto& n : g.node()) {
    hist[n.op_type()]++;
    for (const auto& a : n.attribute()) {
      if (a.has_g()) count_ops(a.g(), hist);
    }
  }
}

}  // namespace

nlohmann::json export_onnx(const ExportOptions& o) {
  if (o.opset < kMinOpset || o.opset > kMaxOpset) {
    throw UsageError(fmt::format("--opset {} is not supported (supported: {}–{})", o.opset, kMinOpset, kMaxOpset));
  }
  if (o.out.empty()) throw UsageError("-o/--out is required");
  if (o.input_name.empty() || o.output_name.empty() || o.input_name == o.output_name) {
    throw UsageError("input and output names must be non-empty and different");
  }
  Shape input_shape = parse_shape(o.input_shape);
  ensure_writable_dir(o.out.parent_path().empty() ? fs::path(".") : o.out.parent_path());
  auto module = load_torchscript(o.model);
  torch::NoGradGuard no_grad;

  // Run once on the example shape: a wrong shape is the user's error, reported before export.
  auto example = torch::rand(input_shape);
  run_forward(module, example);

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
  for (const auto& p : module.named_parameters(/*recurse=*/true)) ctx.name_parameter(p.value, p.name);
  for (const auto& b : module.named_buffers(/*recurse=*/true)) ctx.name_parameter(b.value, b.name);

  auto graph = frozen_graph(module);
  std::vector<const Value*> tensor_inputs;
  for (const Value* v : graph->inputs()) {
    if (v->type()->cast<c10::ClassType>()) continue;  // self
    tensor_inputs.push_back(v);
  }
  if (tensor_inputs.size() != 1) {
    throw Error(fmt::format("the model's forward takes {} tensor inputs; kiln export supports models with one input",
                            tensor_inputs.size()));
  }
  ctx.bind(tensor_inputs[0], o.input_name);
  auto* input_info = graph_proto->add_input();
  input_info->set_name(o.input_name);
  set_tensor_type(input_info, onnx::TensorProto_DataType_FLOAT, input_shape, !o.static_batch);

  // Outputs: one tensor, or a tuple of tensors (output, output_1, ...).
  std::vector<const Value*> outputs;
  const Value* ret = graph->outputs()[0];
  if (ret->node()->kind() == c10::prim::TupleConstruct) {
    for (const Value* v : ret->node()->inputs()) outputs.push_back(v);
  } else {
    outputs.push_back(ret);
  }
  std::vector<std::string> output_names;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string name = i == 0 ? o.output_name : fmt::format("{}_{}", o.output_name, i);
    output_names.push_back(name);
    if (!ctx.is_constant(outputs[i]) && outputs[i] != tensor_inputs[0]) ctx.prefer_name(outputs[i], name);
  }

  convert_block(ctx, graph->block());

  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string produced = ctx.in(outputs[i]);
    if (produced != output_names[i]) ctx.add_node("Identity", {produced}, {output_names[i]});
    graph_proto->add_output()->set_name(output_names[i]);
  }

  // Output types and shapes from ONNX shape inference; the batch axis made symbolic.
  onnx::ModelProto inferred = model;
  try {
    onnx::shape_inference::InferShapes(inferred);
  } catch (const std::exception& e) {
    throw Error(fmt::format("exported graph failed ONNX shape inference: {}", first_line(e.what())));
  }
  auto expected = run_forward(module, example);
  for (int i = 0; i < graph_proto->output_size(); ++i) {
    auto* vi = graph_proto->mutable_output(i);
    std::vector<int64_t> dims;
    onnx::TensorProto_DataType dtype = onnx::TensorProto_DataType_FLOAT;
    for (const auto& v : inferred.graph().value_info()) {
      if (v.name() != vi->name()) continue;
      dtype = static_cast<onnx::TensorProto_DataType>(v.type().tensor_type().elem_type());
    }
    if (i == 0) dims = expected.sizes().vec();
    else {
      for (const auto& v : inferred.graph().output())
        if (v.name() == vi->name())
          for (const auto& d : v.type().tensor_type().shape().dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
    bool batch_axis = !o.static_batch && !dims.empty() && dims[0] == input_shape[0];
    set_tensor_type(vi, dtype, dims, batch_axis);
  }

  try {
    onnx::checker::check_model(model, /*full_check=*/true);
  } catch (const std::exception& e) {
    throw Error(fmt::format("the exported model fails the ONNX checker: {}", first_line(e.what())));
  }
  onnx::shape_inference::InferShapes(model);  // record intermediate shapes for readers and later passes

  std::string bytes;
  model.SerializeToString(&bytes);
  write_file_atomic(o.out, bytes);

  std::map<std::string, int> hist;
  count_ops(model.graph(), hist);
  nlohmann::json report;
  report["model"] = fs::absolute(o.model).string();
  report["onnx"] = fs::absolute(o.out).string();
  report["file_size_bytes"] = bytes.size();
  report["opset"] = o.opset;
  report["ir_version"] = model.ir_version();
  report["op_histogram"] = hist;
  report["nodes"] = model.graph().node_size();
  report["initializers"] = model.graph().initializer_size();
  for (const auto& vi : model.graph().input()) report["inputs"].push_back(value_info_json(vi));
  for (const auto& vi : model.graph().output()) report["outputs"].push_back(value_info_json(vi));
  return report;
}

std::string export_report_text(const nlohmann::json& r) {
  std::string out = fmt::format("wrote {} ({:.2f} MB, opset {}, {} nodes, {} initializers)\n", r["onnx"].get<std::string>(),
                                r["file_size_bytes"].get<double>() / 1e6, r["opset"].get<int>(), r["nodes"].get<int>(),
                                r["initializers"].get<int>());
  auto sig = [](const nlohmann::json& v) {
    std::string dims;
    for (const auto& d : v["shape"]) dims += (dims.empty() ? "" : "x") + (d.is_string() ? d.get<std::string>() : std::to_string(d.get<int64_t>()));
    return fmt::format("{} {}[{}]", v["name"].get<std::string>(), v["dtype"].get<std::string>(), dims);
  };
  for (const auto& v : r["inputs"]) out += "input   " + sig(v) + "\n";
  for (const auto& v : r["outputs"]) out += "output  " + sig(v) + "\n";
  out += "ops    ";
  for (const auto& [op, n] : r["op_histogram"].items()) out += fmt::format(" {}×{}", op, n.get<int>());
  return out + "\n";
}

std::vector<std::pair<std::string, std::string>> supported_ops() {
  std::vector<std::pair<std::string, std::string>> ops;
  for (const auto& [name, entry] : op_table()) ops.emplace_back(name, entry.onnx);
  return ops;
}

}  // namespace kiln
