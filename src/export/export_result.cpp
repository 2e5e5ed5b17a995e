// ExportOptions' checks and ExportResult's JSON and text forms (no LibTorch: the pipeline and
// the CLI read them).
#include <fmt/format.h>

#include "common/error.h"
#include "common/shape.h"
#include "export/export_options.h"

namespace kiln {

std::vector<InputSpec> ExportOptions::resolved_inputs() const {
  if (!inputs.empty()) return inputs;
  return {input_spec_from_shape(parse_shape(input_shape), input_name, static_batch)};
}

void ExportOptions::validate() const {
  if (opset < kMinOpset || opset > kMaxOpset) {
    throw OptionError("opset", fmt::format("{} is not supported (supported: {}–{})", opset,
                                           kMinOpset, kMaxOpset));
  }
  if (model.empty()) throw OptionError("model", "is required (a TorchScript file)");
  if (out.empty() && !check_only) throw OptionError("out", "is required (the ONNX file to write)");
  if (output_name.empty()) throw OptionError("output_name", "is empty");
  auto specs = resolved_inputs();
  try {
    validate_input_specs(specs);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  for (const auto& s : specs) {
    if (s.name == output_name)
      throw UsageError(fmt::format("input and output are both named '{}'", s.name));
  }
  if (!second_example.empty() && example.empty()) throw UsageError("--second-example needs --example (the first size's inputs)");
  if (verify_tolerance && !(*verify_tolerance > 0))
    throw OptionError("verify_tolerance", "must be positive");
}

namespace {

nlohmann::json io_json(const ExportedOutput& o) {
  return {{"name", o.name}, {"dtype", o.dtype}, {"shape", o.shape}, {"source", o.source}};
}

ExportedOutput io_from(const nlohmann::json& j) {
  return {j.at("name").get<std::string>(), j.at("dtype").get<std::string>(),
          j.at("shape").get<std::vector<std::string>>(), j.value("source", std::string())};
}

}  // namespace

void to_json(nlohmann::json& j, const ExportResult& r) {
  j = nlohmann::json::object();
  j["schema_version"] = ExportResult::kSchemaVersion;
  j["model"] = r.model;
  j["example"] = r.example;
  j["second_example"] = r.second_example;
  j["onnx"] = r.onnx;
  j["check_only"] = r.check_only;
  j["file_size_bytes"] = r.file_size_bytes;
  j["opset"] = r.opset;
  j["ir_version"] = r.ir_version;
  j["nodes"] = r.nodes;
  j["initializers"] = r.initializers;
  j["folded_batch_norms"] = r.folded_batch_norms;
  j["op_histogram"] = r.op_histogram;
  j["input_specs"] = r.input_specs;
  j["inputs"] = nlohmann::json::array();
  for (const auto& i : r.inputs) j["inputs"].push_back(io_json(i));
  j["outputs"] = nlohmann::json::array();
  for (const auto& o : r.outputs) j["outputs"].push_back(io_json(o));
  j["dropped_none_outputs"] = r.dropped_none_outputs;
  j["dropped_checks"] = r.dropped_checks;
  j["model_warnings"] = r.model_warnings;
  j["verification"] = nlohmann::json::array();
  for (const auto& v : r.verification) {
    j["verification"].push_back({{"sizes", v.sizes},
                                 {"tolerance", v.tolerance},
                                 {"max_rel_mean_abs", v.max_rel_mean_abs},
                                 {"max_abs", v.max_abs},
                                 {"within_one_step", v.within_one_step},
                                 {"within_fp32_rounding", v.within_fp32_rounding},
                                 {"within_engine_spread", v.within_engine_spread},
                                 {"ort_optimizations", v.ort_optimizations}});
  }
  j["unsupported"] = nlohmann::json::array();
  for (const auto& u : r.unsupported) {
    j["unsupported"].push_back(
        {{"op", u.op}, {"count", u.count}, {"reason", u.reason}, {"first_at", u.first_at}});
  }
  j["unsupported_downstream_nodes"] = r.unsupported_downstream_nodes;
  j["values"] = nlohmann::json::array();
  for (const auto& v : r.values) {
    j["values"].push_back({{"node", v.node},
                           {"output", v.output},
                           {"kind", v.kind},
                           {"torchscript", v.torchscript},
                           {"onnx", v.onnx}});
  }
  j["seconds"] = r.seconds;
  j["timings"] = {{"load_s", r.timings.load},
                  {"reference_s", r.timings.reference},
                  {"export_s", r.timings.export_},
                  {"verify_s", r.timings.verify}};
}

void from_json(const nlohmann::json& j, ExportResult& r) {
  if (j.at("schema_version").get<int>() != ExportResult::kSchemaVersion) {
    throw Error(fmt::format("export report schema {} (expected {})",
                            j.at("schema_version").get<int>(), ExportResult::kSchemaVersion));
  }
  r.model = j.at("model").get<std::string>();
  r.example = j.at("example").get<std::string>();
  r.second_example = j.at("second_example").get<std::string>();
  r.onnx = j.at("onnx").get<std::string>();
  r.check_only = j.at("check_only").get<bool>();
  r.file_size_bytes = j.at("file_size_bytes").get<uint64_t>();
  r.opset = j.at("opset").get<int>();
  r.ir_version = j.at("ir_version").get<int64_t>();
  r.nodes = j.at("nodes").get<int>();
  r.initializers = j.at("initializers").get<int>();
  r.folded_batch_norms = j.at("folded_batch_norms").get<int>();
  r.op_histogram = j.at("op_histogram").get<std::map<std::string, int>>();
  r.input_specs = j.at("input_specs").get<std::vector<InputSpec>>();
  r.inputs.clear();
  for (const auto& i : j.at("inputs")) r.inputs.push_back(io_from(i));
  r.outputs.clear();
  for (const auto& o : j.at("outputs")) r.outputs.push_back(io_from(o));
  r.dropped_none_outputs = j.at("dropped_none_outputs").get<std::vector<std::string>>();
  r.dropped_checks = j.at("dropped_checks").get<std::vector<std::string>>();
  r.model_warnings = j.at("model_warnings").get<std::vector<std::string>>();
  r.verification.clear();
  for (const auto& v : j.at("verification")) {
    r.verification.push_back({v.at("sizes").get<std::string>(), v.at("tolerance").get<double>(),
                              v.at("max_rel_mean_abs").get<double>(), v.at("max_abs").get<double>(),
                              v.at("within_one_step").get<std::vector<std::string>>(),
                              v.at("within_fp32_rounding").get<std::vector<std::string>>(),
                              v.at("within_engine_spread").get<std::vector<std::string>>(),
                              v.at("ort_optimizations").get<std::string>()});
  }
  r.unsupported.clear();
  for (const auto& u : j.at("unsupported")) {
    r.unsupported.push_back({u.at("op").get<std::string>(), u.at("count").get<int>(),
                             u.at("reason").get<std::string>(),
                             u.at("first_at").get<std::string>()});
  }
  r.unsupported_downstream_nodes = j.at("unsupported_downstream_nodes").get<int>();
  r.values.clear();
  if (j.contains("values")) {  // reports from before the value map have none
    for (const auto& v : j.at("values")) {
      r.values.push_back({v.at("node").get<int>(), v.at("output").get<int>(),
                          v.at("kind").get<std::string>(), v.at("torchscript").get<std::string>(),
                          v.at("onnx").get<std::string>()});
    }
  }
  r.seconds = j.at("seconds").get<double>();
  const auto& t = j.at("timings");
  r.timings = {t.at("load_s").get<double>(), t.at("reference_s").get<double>(),
               t.at("export_s").get<double>(), t.at("verify_s").get<double>()};
}

std::string export_report_text(const ExportResult& r) {
  auto sig = [](const ExportedOutput& v) {
    std::string dims;
    for (const auto& d : v.shape) dims += (dims.empty() ? "" : "x") + d;
    return fmt::format("{} {}[{}]", v.name, v.dtype, dims);
  };
  std::string out;
  if (r.check_only) {
    if (r.unsupported.empty())
      return fmt::format("check: every op of {} converts ({} ONNX nodes)\n", r.model, r.nodes);
    int nodes = 0;
    for (const auto& u : r.unsupported) nodes += u.count;
    out = fmt::format("check: {} unsupported op(s) in {} node(s) of {}", r.unsupported.size(),
                      nodes, r.model);
    if (r.unsupported_downstream_nodes > 0)
      out += fmt::format(" ({} later nodes not checked)", r.unsupported_downstream_nodes);
    out += "\n";
    for (const auto& u : r.unsupported)
      out += fmt::format("  {} ×{}: {}\n      first at: {}\n", u.op, u.count, u.reason, u.first_at);
    return out;
  }
  out = fmt::format(
      "wrote {} ({:.2f} MB, opset {}, {} nodes, {} initializers) in {:.2f} s (load {:.2f}, "
      "LibTorch "
      "references {:.2f}, export {:.2f}, verification {:.2f})\n",
      r.onnx, static_cast<double>(r.file_size_bytes) / 1e6, r.opset, r.nodes, r.initializers,
      r.seconds, r.timings.load, r.timings.reference, r.timings.export_, r.timings.verify);
  for (const auto& v : r.inputs) out += "input   " + sig(v) + "\n";
  for (const auto& v : r.outputs) out += "output  " + sig(v) + "  ← " + v.source + "\n";
  for (const auto& n : r.dropped_none_outputs) out += "dropped " + n + " (None)\n";
  for (const auto& c : r.dropped_checks) out += "dropped check (run-time assertion): " + c + "\n";
  if (r.folded_batch_norms > 0) {
    out += fmt::format("folded  {} BatchNormalization into the Conv before each (--keep-batch-norm keeps them)\n",
                       r.folded_batch_norms);
  }
  for (const auto& w : r.model_warnings) out += "the model warned: " + w + "\n";
  if (!r.example.empty()) {
    out += "values  from " + r.example +
           (r.second_example.empty() ? " (the second size: the example tiled)\n" : ", the second size from " + r.second_example + "\n");
  }
  for (const auto& v : r.verification) {
    out += fmt::format(
        "verified in ONNX Runtime at {}: rel mean abs error {:.2e} (bound {:.0e}), max abs "
        "{:.2e}{}\n",
        v.sizes, v.max_rel_mean_abs, v.tolerance, v.max_abs,
        v.ort_optimizations == "all" ? " (ONNX Runtime's optimizations on)" : "");
    for (const auto& o : v.within_one_step) {
      out += fmt::format("  output {} (quantized) within one quantization step of LibTorch's int8 result\n", o);
    }
    for (const auto& o : v.within_fp32_rounding)
      out += fmt::format("  output {} (float32 rounding: as close to the model in float64 as LibTorch itself)\n", o);
    for (const auto& o : v.within_engine_spread)
      out += fmt::format("  output {} (int8: as close to LibTorch's reference engine as its other int8 engine)\n", o);
  }
  out += "ops    ";
  for (const auto& [op, n] : r.op_histogram) out += fmt::format(" {}×{}", op, n);
  return out + "\n";
}

std::string supported_ops_text(const std::vector<SupportedOp>& ops) {
  std::string out;
  for (const auto& op : ops) {
    std::string name = op.op + (op.scalar ? " (scalars)" : "");
    for (size_t i = 0; i < op.versions.size(); ++i) {
      const auto& v = op.versions[i];
      std::string since = op.versions.size() > 1 || v.since > kMinOpset ? fmt::format("opset {}+: ", v.since) : "";
      std::string mark = op.static_only ? " (folded statically)" : "";
      out += fmt::format("{:<44} {}{}{}\n", i == 0 ? name : "", since, v.onnx, mark);
    }
  }
  return out;
}

}  // namespace kiln
