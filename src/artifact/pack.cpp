#include "artifact/pack.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include "artifact/artifact_layout.h"
#include "artifact/artifact_out.h"
#include "artifact/git_commit.h"
#include "artifact/io_signature.h"
#include "artifact/measured_precision.h"
#include "artifact/metadata.h"
#include "artifact/same_run_latency.h"
#include "artifact/sha256.h"
#include "artifact/validate.h"
#include "bench/accuracy.h"
#include "bench/bench_runner.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "compare/eval_quality.h"
#include "compare/output_metrics.h"
#include "data/batch_folder.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"
#include "doctor/machine_facts.h"
#include "doctor/onnx_facts.h"
#include "onnx/model_io.h"
#include "fp16/convert_fp16_result.h"
#include "optimize/optimize_result.h"
#include "artifact/artifact_choice.h"
#include "quantize_onnx/quantize_onnx_result.h"
#include "runtime/model_input_specs.h"
#include "runtime/open_model.h"
#include "validate_py.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

using namespace artifact;

// An untrusted model (onnx/model_io.h checks it); pack needs at least one input and output.
onnx::ModelProto read_model(const fs::path& p) {
  onnx::ModelProto m = load_model(p);
  if (m.graph().input_size() == 0 || m.graph().output_size() == 0) {
    throw Error(fmt::format("{}: the model has no inputs or no outputs", p.string()));
  }
  return m;
}

// int8 when the graph holds integer kernels; fp16 when its weights are float16 (its inputs may
// stay float32: convert-fp16 --keep-io-types); otherwise fp32.
std::string precision_of(const onnx::ModelProto& m) {
  for (const auto& n : m.graph().node()) {
    const auto& op = n.op_type();
    if (op == "MatMulInteger" || op == "ConvInteger" || op == "QLinearConv" ||
        op == "QLinearMatMul" || op == "QuantizeLinear" || op == "DynamicQuantizeLinear") {
      return "int8";
    }
  }
  for (const auto& t : m.graph().initializer())
    if (t.data_type() == onnx::TensorProto::FLOAT16) return "fp16";
  return "fp32";
}

// How the packed model was made, from the records of the commands that made it.
void add_provenance(nlohmann::json& m, const PackOptions& o) {
  if (o.quantize_report) {
    auto q = read_record<QuantizeOnnxResult>(*o.quantize_report);
    nlohmann::json kept = nlohmann::json::array(), padded = nlohmann::json::array();
    for (const auto& n : q.nodes) {
      if (!n.quantized) kept.push_back({{"node", n.node}, {"why", n.float_because.value_or("")}});
      if (n.padded_channels)
        padded.push_back({{"node", n.node},
                          {"input_channels", n.input_channels.value_or(0)},
                          {"padded_to", *n.padded_channels}});
    }
    nlohmann::json pre = nlohmann::json::array();
    if (q.preoptimize && q.preoptimize->applied)
      for (const auto& p : q.preoptimize->passes) pre.push_back(p.name);
    m["quantization"] = {{"mode", q.mode},        {"format", q.format},
                         {"quantized_nodes", q.summary.quantized_nodes},
                         {"kept_float", kept}, {"channel_padding", padded},
                         {"preoptimized", pre}};
    if (q.budget) m["quantization"]["accuracy_budget_pp"] = q.budget->budget_pp;
  }
  if (o.fp16_report) {
    auto h = read_record<ConvertFp16Result>(*o.fp16_report);
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& b : h.blocked) kept.push_back({{"node", b.node}, {"why", b.why}});
    m["fp16"] = {{"keep_io_types", h.keep_io_types},
                 {"fp16_nodes", h.fp16_nodes},
                 {"kept_fp32", kept},
                 {"ranges_measured_on", h.verified_on}};
  }
  if (o.choice) {
    auto c = read_record<ArtifactChoice>(*o.choice);
    nlohmann::json alternatives = nlohmann::json::array();
    for (const auto& a : c.candidates) {
      nlohmann::json e = {{"precision", a.precision},
                          {"model", a.model},
                          {"p50_ms", round_decimals(a.p50_ms, 3)},
                          {"size_bytes", a.size_bytes},
                          {"within_budget", a.within_budget}};
      if (a.drop_pp) e["accuracy_drop_pp"] = round_decimals(*a.drop_pp, 2);
      alternatives.push_back(e);
    }
    m["artifact_choice"] = {{"rule", c.rule},
                            {"chosen", c.chosen},
                            {"reason", c.reason},
                            {"alternatives", alternatives}};
    if (c.fp16_note) m["artifact_choice"]["fp16_note"] = *c.fp16_note;
  }
}

// The seed of the random golden set and of the latency inputs.
constexpr uint64_t kGoldenSeed = 11;

struct GoldenSet {
  std::vector<HostTensor> inputs;
  std::string source;  // what metadata.yaml records
};

// The inputs the ONNX model declares (kiln's own session reads them).
std::vector<ValueInfo> model_inputs(const fs::path& model) { return OrtSession::from_file(model).inputs(); }

// Set 0: seeded random values of the specs; then real data: the dataset's first test images, or
// the first samples of the user's folder.
std::vector<GoldenSet> golden_sets(const PackOptions& o, const std::vector<InputSpec>& specs,
                                   const std::vector<std::string>& names) {
  std::vector<GoldenSet> sets;
  std::string spec_text;
  for (const auto& spec : specs) spec_text += (spec_text.empty() ? "" : " ") + format_input_spec(spec);
  sets.push_back({random_inputs_for(specs, false, kGoldenSeed),
                  fmt::format("seeded random values (seed {}) of {}", kGoldenSeed, spec_text)});
  if (o.dataset != "none") {
    if (specs.size() != 1) throw Error(fmt::format("--dataset {} feeds models with one input; this one has {}", o.dataset, specs.size()));
    auto loc = locate_dataset(o.dataset);
    if (!loc.dir)
      throw Error(fmt::format("dataset '{}' not found: {} (or pass --dataset none)", o.dataset, loc.how_to_get));
    Dataset test = load_dataset_from(*loc.dir, o.dataset, Split::kTest);
    HostTensor images = dataset_batch(test, 0, 8);
    images.name = names[0];
    sets.push_back({{images}, fmt::format("the first 8 images of the {} test split", o.dataset)});
  }
  if (o.golden_data) {
    BatchFolder data = read_batch_folder(*o.golden_data, names, o.golden_samples, "--golden-data");
    check_batches(data, specs, "--golden-data");
    for (auto& b : data.batches)
      sets.push_back({std::move(b.inputs), fmt::format("{} samples of {}", b.samples, b.file)});
  }
  return sets;
}

int64_t opset_of(const onnx::ModelProto& m) {
  for (const auto& o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
  return 0;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// The card's "Intended use": what the packer said, or what kiln knows of its own demo models.
std::string intended_use(const nlohmann::json& m, const std::string& description) {
  if (!description.empty()) return "## Intended use\n" + description + "\n\n";
  if (!m.contains("dataset")) return "";
  return fmt::format(
      "## Intended use\nImage classification of 28×28 grey images normalised as the training data was\n({}). Outputs are "
      "logits; apply softmax for probabilities.\n\n",
      m.value("normalization", "see metadata.yaml"));
}

std::string model_card(const nlohmann::json& m, const std::string& description) {
  std::string inputs, outputs;
  for (const auto& [k, v] : m["inputs"].items())
    inputs += fmt::format("- `{}`: {} {}\n", k, v["dtype"].get<std::string>(), v["shape"].dump());
  for (const auto& [k, v] : m["outputs"].items())
    outputs += fmt::format("- `{}`: {} {}\n", k, v["dtype"].get<std::string>(), v["shape"].dump());
  std::string acc = "Accuracy was not measured (no dataset and no evaluation data given).";
  if (m.contains("dataset")) {
    acc = fmt::format("Top-1 accuracy on the {} test split ({} samples): {:.2f}% (reference {:.2f}%, drop {:.2f} pp).",
                      m["dataset"]["name"].get<std::string>(), m["dataset"]["samples"].get<int64_t>(),
                      100 * m["dataset"]["accuracy"].get<double>(), 100 * m["dataset"]["reference_accuracy"].get<double>(),
                      m["accuracy_drop"].get<double>());
  } else if (m.contains("evaluation")) {
    const auto& e = m["evaluation"];
    acc = e["metric"] == "relative_error"
              ? fmt::format("{}: {:.3g}.", e["measured"].get<std::string>(), e["value"].get<double>())
              : fmt::format("{}: {:.2f}% (reference {:.2f}%, drop {:.2f} pp).", e["measured"].get<std::string>(),
                            100 * e["value"].get<double>(), 100 * e["reference_value"].get<double>(),
                            m["accuracy_drop"].get<double>());
  }
  return fmt::format(
      R"(# {name} {version}

ONNX model packed by kiln {kiln} on {created}.

{use}## Inputs
{inputs}
## Outputs
{outputs}
## Metrics
- {acc}
- Equivalence with the reference `{ref}`: E = mean |y − ŷ| = {mae:.3g} on the golden inputs (bound {bound:g}).
- Latency ({runtime}, batch 1, p50): {lat:.3f} ms; {ratio:.2f}× the reference's p50 measured in the same run
  on {machine}.

## Limitations
- Latency figures are from the machine above; compare ratios, not milliseconds, across machines.
- Precision {precision}: {precision_note}
- Checked by `python3 validate.py` (needs onnxruntime and numpy) or `kiln validate .`.
)",
      fmt::arg("name", m["model_name"].get<std::string>()),
      fmt::arg("version", m["version"].get<std::string>()),
      fmt::arg("kiln", m["kiln_version"].get<std::string>()),
      fmt::arg("created", m["created"].get<std::string>()),
      fmt::arg("use", intended_use(m, description)), fmt::arg("inputs", inputs),
      fmt::arg("outputs", outputs), fmt::arg("acc", acc),
      fmt::arg("ref", m["equivalence"]["reference"].get<std::string>()),
      fmt::arg("mae", m["equivalence"]["measured"].get<double>()),
      fmt::arg("bound", m["equivalence"]["bound"].get<double>()),
      fmt::arg("runtime", m["runtime"].get<std::string>()),
      fmt::arg("lat", m["latency_ms"].get<double>()),
      fmt::arg("ratio", m["latency"]["ratio"].get<double>()),
      fmt::arg("machine", m["latency"]["machine"].get<std::string>()),
      fmt::arg("precision", m["precision"].get<std::string>()),
      fmt::arg("precision_note",
               m["precision"] == "int8"   ? "integer kernels; expect small differences from the float reference"
               : m["precision"] == "fp16" ? "float16 weights and activations (nodes FP16 would break stay float32, see metadata.yaml's fp16); expect small differences from the float reference"
                                          : "float32 throughout"));
}

}  // namespace

void PackOptions::validate() const {
  if (model.empty()) throw OptionError("model", "is required (the ONNX model to pack)");
  if (reference.empty())
    throw OptionError("reference", "is required (the model it must stay equivalent to)");
  if (!(max_mae > 0)) throw OptionError("max_mae", "must be positive");
  if (latency_runs < 1) throw OptionError("latency_runs", "must be at least 1");
  if (accuracy_samples < 0)
    throw OptionError("accuracy_samples", "must be at least 0 (0: the whole test split)");
  if (out.empty()) throw OptionError("out", "is required (the artifact folder)");
  if (dataset != "none") check_dataset_name(dataset);
  if (golden_samples < 1) throw OptionError("golden_samples", "must be at least 1");
  if (eval_samples < 0) throw OptionError("eval_samples", "must be at least 0 (0: every sample of the folder)");
  if (eval && dataset != "none")
    throw OptionError(std::vector<std::string>{"eval", "dataset"}, ": give one (accuracy on a user's data, or on a dataset kiln ships)");
  if (!inputs.empty()) validate_input_specs(inputs);
  if (optimize_report && !optimization.empty())
    throw OptionError(
        "optimization",
        "and an optimize report were both given: give one (the report records what was applied)");
}

PackResult pack_artifact(const PackOptions& o) {
  o.validate();
  std::vector<std::string> optimization = o.optimization;
  if (o.optimize_report)
    optimization = read_record<OptimizeFileResult>(*o.optimize_report).applied_passes();
  onnx::ModelProto proto = read_model(o.model);
  auto log = [&](const std::string& s) {
    if (o.progress) std::fprintf(stderr, "pack: %s\n", s.c_str());
  };
  require_replaceable_artifact(o.out);  // never destroy what kiln did not make
  StagingDir stage(o.out);
  write_file_atomic(stage.path(kModelFile), read_file(o.model));

  // Opened from the user's path so errors name it (the staged copy holds the same bytes).
  auto model = open_model(o.model);
  auto reference = open_model(o.reference);
  const std::vector<InputSpec> specs = o.inputs.empty() ? specs_from_model(model_inputs(o.model), 2) : o.inputs;
  std::vector<std::string> input_names;
  for (const auto& spec : specs) input_names.push_back(spec.name);
  std::vector<GoldenSet> goldens = golden_sets(o, specs, input_names);

  OutputMetrics eq;
  for (size_t k = 0; k < goldens.size(); ++k) {
    std::vector<HostTensor> expected;
    try {
      expected = reference->run(goldens[k].inputs);
    } catch (const Error& e) {
      // The inputs are the model's (its specs or --input): a reference taking others is a mismatch.
      std::string taken;
      for (const auto& spec : specs) taken += (taken.empty() ? "" : ", ") + format_input_spec(spec);
      throw Error(fmt::format("not packed: the reference {} does not take the inputs of {} ({}): {}", o.reference.string(),
                              o.model.string(), taken, e.what()));
    }
    auto got = model->run(goldens[k].inputs);
    if (got.size() != expected.size())
      throw Error(fmt::format("not packed: {} gives {} outputs where the reference gives {}", o.model.string(), got.size(),
                              expected.size()));
    fs::path dir = stage.path(fmt::format("{}{}", kGoldenPrefix, k));
    fs::create_directories(dir);
    for (size_t i = 0; i < goldens[k].inputs.size(); ++i)
      write_tensor_pb(goldens[k].inputs[i], dir / fmt::format("input_{}.pb", i));
    for (size_t i = 0; i < expected.size(); ++i) {
      expected[i].name = proto.graph().output(static_cast<int>(i)).name();
      write_tensor_pb(expected[i], dir / fmt::format("output_{}.pb", i));
      eq.add(expected[i], got[i]);
    }
  }
  if (!eq.shapes_match()) throw Error(fmt::format("not packed: {}", eq.shape_problem()));
  if (eq.nonfinite_candidate() > eq.nonfinite_reference())
    throw Error(fmt::format("not packed: {} gives NaN/Inf where {} is finite", o.model.string(), o.reference.string()));
  if (!(eq.mean_abs() <= o.max_mae)) {
    throw Error(fmt::format("not packed: E = {:.3g} against {} exceeds the bound {:g}",
                            eq.mean_abs(), o.reference.string(), o.max_mae));
  }
  log(fmt::format("equivalence E = {:.3g} ≤ {:g}", eq.mean_abs(), o.max_mae));

  nlohmann::json m;
  m["schema_version"] = kSchemaVersion;
  m["model_name"] = o.name;
  m["version"] = o.version;
  m["opset"] = opset_of(proto);
  m["precision"] = precision_of(proto);
  m["optimization"] = optimization;
  m["runtime"] = "onnxruntime " + onnx_runtime_version();

  // Accuracy of the artifact and of the reference on the test split (its first
  // accuracy_samples images; validate re-measures on as many as metadata.yaml records).
  if (o.dataset != "none") {
    Dataset test = load_dataset_from(*locate_dataset(o.dataset).dir, o.dataset, Split::kTest);  // found for the goldens
    auto named = [&](const HostTensor& x) {
      HostTensor in = x;
      in.name = input_names[0];
      return in;
    };
    auto acc = top1_accuracy(test, o.accuracy_samples, 256,
                             [&](const HostTensor& x) { return model->run({named(x)})[0]; });
    auto ref_acc = top1_accuracy(test, o.accuracy_samples, 256,
                                 [&](const HostTensor& x) { return reference->run({named(x)})[0]; });
    // Written to the resolution they were measured at: one sample in `samples`.
    const int digits = fraction_digits(acc.samples);
    m["dataset"] = {{"name", o.dataset},
                    {"samples", acc.samples},
                    {"accuracy", round_decimals(acc.value(), digits)},
                    {"reference_accuracy", round_decimals(ref_acc.value(), digits)}};
    m["accuracy_drop"] =
        round_decimals(100.0 * (ref_acc.value() - acc.value()), std::max(0, digits - 2));
    m["normalization"] = fmt::format("x = (pixel/255 − {}) / {}", normalization_for(o.dataset).mean,
                                     normalization_for(o.dataset).std);
    log(fmt::format("accuracy {:.2f}% (reference {:.2f}%)", 100 * acc.value(),
                    100 * ref_acc.value()));
  } else if (o.eval) {
    BatchFolder data = read_batch_folder(*o.eval, input_names, o.eval_samples, "--eval");
    check_batches(data, specs, "--eval");
    EvalQuality q = measure_eval_quality(data, o.reference, {o.model});
    const ModelQuality &ref_q = q.models.at(0), &got = q.models.at(1);
    if (!std::isfinite(got.value))
      throw Error(fmt::format("not packed: {} gives NaN/Inf on {} where the reference is finite", o.model.string(), data.source));
    const int digits = fraction_digits(q.samples);
    m["evaluation"] = {{"metric", q.metric},
                       {"data", q.data},
                       {"samples", q.samples},
                       {"value", q.metric == "relative_error" ? round_significant(got.value, 3) : round_decimals(got.value, digits)},
                       {"reference_value", q.metric == "relative_error" ? 0.0 : round_decimals(ref_q.value, digits)},
                       {"measured", q.describe()}};
    m["accuracy_drop"] = got.drop_pp ? nlohmann::json(round_decimals(*got.drop_pp, std::max(0, digits - 2))) : nlohmann::json();
    log(q.describe() + fmt::format(": {:.4g} (reference {:.4g})", got.value, ref_q.value));
  } else {
    m["accuracy_drop"] = nullptr;
  }

  // Latency, batch 1: the artifact and the reference interleaved in the same run.
  SessionOptions so;  // ORT's defaults, recorded below
  const std::string batch = batch_symbol(specs);
  std::vector<HostTensor> one = random_inputs_for(with_dim_size(specs, batch, 1), false, kGoldenSeed);
  SameRunLatency lat = measure_same_run_latency(stage.path(kModelFile), o.reference, one, o.latency_runs);
  double p50 = lat.p50_ms, ref_p50 = lat.reference_p50_ms;
  m["latency_ms"] = round_decimals(p50, 3);
  m["latency"] = {{"batch", 1},
                  {"batch_dim", batch.empty() ? "none (the model's shape is fixed)" : batch},
                  {"inputs", fmt::format("seeded random values (seed {}) of the specs at batch 1", kGoldenSeed)},
                  {"p50_ms", round_decimals(p50, 3)},
                  {"reference_p50_ms", round_decimals(ref_p50, 3)},
                  {"ratio", round_significant(p50 / ref_p50, 3)},
                  {"runs", o.latency_runs},
                  {"threads", "ONNX Runtime default (one per core as it counts them)"},
                  {"ort_graph_optimization", to_string(so.optimization)},
                  {"provider", to_string(so.provider)},
                  {"machine", cpu_summary()}};
  log(fmt::format("latency p50 {:.3f} ms, {:.2f}× the reference", p50, p50 / ref_p50));
  m["equivalence"] = {{"metric", "mean_abs_error"},
                      {"bound", o.max_mae},
                      {"measured", round_significant(eq.mean_abs(), 3)},
                      {"max_abs_error", round_significant(eq.max_abs(), 3)},
                      {"reference", o.reference.filename().string()},
                      {"reference_sha256", sha256_file(o.reference)}};
  if (!o.calibration.empty()) m["calibration"] = o.calibration;
  add_provenance(m, o);
  m["data"] = {{"input_specs", nlohmann::json::array()}, {"golden", nlohmann::json::array()}};
  for (const auto& spec : specs) m["data"]["input_specs"].push_back(format_input_spec(spec));
  for (size_t k = 0; k < goldens.size(); ++k)
    m["data"]["golden"].push_back({{"set", fmt::format("{}{}", kGoldenPrefix, k)}, {"source", goldens[k].source}});
  m["inputs"] = io_signature(proto.graph().input());
  m["outputs"] = io_signature(proto.graph().output());
  m["kiln_version"] = KILN_VERSION;
  m["created"] = utc_now();

  write_file_atomic(stage.path(kValidateScript), kValidatePy);
  write_file_atomic(stage.path(kModelCard), model_card(m, o.description));
  // Hashes of every file but metadata.yaml itself (it cannot hold its own hash).
  std::map<std::string, std::string> hashes;
  for (const auto& e : fs::recursive_directory_iterator(stage.staging())) {
    if (!e.is_regular_file()) continue;
    hashes[fs::relative(e.path(), stage.staging()).generic_string()] = sha256_file(e.path());
  }
  m["files"] = hashes;
  write_file_atomic(stage.path(kMetadataFile), metadata_to_yaml(m));

  // The folder must pass its own validation before it is moved into place (and committed).
  ValidateOptions vo;
  vo.artifact = stage.staging();
  vo.measure_latency = false;
  ValidateResult validation = validate_artifact(vo);
  if (!validation.passed) {
    throw Error(fmt::format("not packed: the artifact fails its own validation: {}",
                            validation.failures.empty() ? "?" : validation.failures[0]));
  }
  stage.commit_replace();
  PackResult report;
  report.out = o.out.string();
  report.optimization = optimization;
  report.equivalence_measured = eq.mean_abs();
  report.equivalence_bound = o.max_mae;
  report.latency_ms = p50;
  report.validation = validation;
  if (o.git_commit) report.git = git_commit_artifact(o.out, o.max_mae);
  return report;
}

}  // namespace kiln
