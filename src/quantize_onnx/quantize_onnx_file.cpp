#include "quantize_onnx/quantize_onnx_file.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "bench/accuracy.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/table.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"
#include "onnx/graph_view.h"
#include "onnx/model_io.h"
#include "quantize_onnx/calibration_data.h"
#include "quantize_onnx/dynamic_rewrite.h"
#include "quantize_onnx/model_error.h"
#include "quantize_onnx/qoperator_rewrite.h"
#include "quantize_onnx/sensitivity.h"
#include "quantize_onnx/static_quantizer.h"

namespace kiln {

QuantizeMode parse_quantize_mode(const std::string& text) {
  if (text == "static") return QuantizeMode::Static;
  if (text == "dynamic") return QuantizeMode::Dynamic;
  throw UsageError("--mode: unknown mode '" + text + "' (static or dynamic)");
}

QuantFormat parse_quant_format(const std::string& text) {
  if (text == "qdq") return QuantFormat::Qdq;
  if (text == "qoperator") return QuantFormat::QOperator;
  throw UsageError("--format: unknown format '" + text + "' (qdq or qoperator)");
}

std::string to_string(QuantizeMode mode) {
  return mode == QuantizeMode::Static ? "static" : "dynamic";
}
std::string to_string(QuantFormat format) {
  return format == QuantFormat::Qdq ? "qdq" : "qoperator";
}

namespace {

std::string single_float_input(const onnx::ModelProto& model, const std::string& what) {
  std::set<std::string> inits;
  for (const auto& t : model.graph().initializer()) inits.insert(t.name());
  std::vector<std::string> inputs;
  for (const auto& in : model.graph().input())
    if (!inits.count(in.name())) inputs.push_back(in.name());
  if (inputs.size() != 1)
    throw Error(what + ": static quantization calibrates models with one input; this one has " +
                std::to_string(inputs.size()));
  return inputs[0];
}

nlohmann::json activation_json(const StaticQuantized& q,
                               const std::map<std::string, Range>& ranges) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : q.plan.activations) {
    const auto& p = q.activations.at(t);
    nlohmann::json j{{"tensor", t}, {"scale", p.scale[0]}, {"zero_point", p.zero_point[0]}};
    auto shared = q.plan.shares_params_with.find(t);
    if (shared != q.plan.shares_params_with.end()) {
      j["shares_with"] = shared->second;
    } else {
      j["min"] = ranges.at(t).min;
      j["max"] = ranges.at(t).max;
    }
    out.push_back(j);
  }
  return out;
}

// Test-split accuracy of the float and quantized models and the quantized model's output error.
nlohmann::json test_split_eval(const std::string& dataset, int64_t limit, const std::string& input,
                               const std::string& fp32, const std::string& int8, int threads) {
  Dataset test = load_dataset(dataset, Split::kTest);
  int64_t n = limit > 0 ? std::min(limit, test.count) : test.count;
  Batches batches;
  const int64_t batch = 250;
  for (int64_t s = 0; s < n; s += batch) {
    HostTensor t = dataset_batch(test, s, std::min(batch, n - s));
    t.name = input;
    batches.push_back({std::move(t)});
  }
  auto ref = first_outputs(fp32, batches, threads, "float model");
  auto q = first_outputs(int8, batches, threads, "quantized model");
  Accuracy a32, a8;
  OutputMetrics m;
  for (size_t i = 0; i < batches.size(); ++i) {
    int64_t start = static_cast<int64_t>(i) * batch, count = ref[i].shape.at(0);
    a32.correct += count_top1_correct(ref[i], test.labels.data() + start, count);
    a8.correct += count_top1_correct(q[i], test.labels.data() + start, count);
    a32.samples += count;
    a8.samples += count;
    m.add(ref[i], q[i]);
  }
  return {{"dataset", dataset},
          {"split", "test"},
          {"samples", n},
          {"fp32_top1", a32.value()},
          {"int8_top1", a8.value()},
          {"drop_pp", (a32.value() - a8.value()) * 100.0},
          {"error", m.to_json()}};
}

nlohmann::json quantize_static_file(const QuantizeOnnxOptions& o, const onnx::ModelProto& model,
                                    onnx::ModelProto& out_model) {
  if (o.calibrate.empty())
    throw UsageError("--mode static needs --calibrate (a dataset name or a folder of .pb tensors)");
  const std::string what = o.input.string();
  const std::string input = single_float_input(model, what);
  CalibrationData data = load_calibration_data(o.calibrate, o.calib_samples, o.calib_batch, input);

  // Ranges for every quantizable node's tensors, so any exclusion set (and each layer alone in
  // the sensitivity analysis) finds its ranges.
  PlanOptions all;
  all.per_channel = o.per_channel;
  all.speed_rules = false;
  std::vector<QuantizedNode> candidates;
  QuantPlan full;
  {
    onnx::ModelProto copy = model;
    ModelScope scope(copy);
    GraphView view(*copy.mutable_graph(), scope);
    candidates = quantizable_nodes(view, o.per_channel);
    full = plan_quantization(view, all);
  }
  if (candidates.empty())
    throw Error(what + ": nothing to quantize (no Conv, MatMul or Gemm with constant weights)");
  CalibrationOptions co = o.calibration;
  co.threads = o.threads;
  // Every planned tensor, shared ones too: with a layer excluded, a tensor that shared its
  // parameters may need its own range.
  auto ranges = collect_ranges(model, full.activations, data.batches, co);

  PlanOptions chosen = all;
  chosen.exclude.insert(o.exclude.begin(), o.exclude.end());
  chosen.speed_rules = o.speed_rules;
  StaticQuantized q = quantize_static_model(model, chosen, ranges);
  out_model = q.model;
  nlohmann::json qoperator;
  if (o.format == QuantFormat::QOperator) {
    QOperatorSummary s = convert_to_qoperator(out_model);
    check_model(out_model, /*full_check=*/true, "QOperator model");
    qoperator = {{"qlinear_conv", s.qlinear_conv},
                 {"qlinear_matmul", s.qlinear_matmul},
                 {"integer_data_movement", s.integer_data_movement}};
  }

  const std::string fp32 = serialize_model(model), int8 = serialize_model(out_model);
  auto reference = first_outputs(fp32, data.batches, o.threads, "float model");
  nlohmann::json report;
  report["calibration"] = {{"source", data.source},
                           {"samples", data.samples},
                           {"batches", data.batches.size()},
                           {"method", to_string(o.calibration.method)}};
  if (o.calibration.method == CalibrationMethod::Percentile)
    report["calibration"]["percentile"] = o.calibration.percentile;
  report["per_channel"] = o.per_channel;
  report["excluded"] = o.exclude;
  report["speed_rules"] = o.speed_rules;
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& c : candidates) {
    const bool kept_for_speed = o.speed_rules && !c.float_faster.empty();
    nlohmann::json n = {{"node", c.label},
                        {"op", c.op},
                        {"quantized", !chosen.exclude.count(c.label) && !kept_for_speed},
                        {"weights", c.weight_axis >= 0 ? "int8 per channel" : "int8 per tensor"}};
    if (chosen.exclude.count(c.label))
      n["float_because"] = "--exclude";
    else if (kept_for_speed)
      n["float_because"] = c.float_faster;
    nodes.push_back(n);
  }
  report["nodes"] = nodes;
  report["summary"] = {{"quantized_nodes", q.summary.quantized_nodes},
                       {"qdq_pairs", q.summary.qdq_pairs},
                       {"int8_weights", q.summary.weights},
                       {"int32_biases", q.summary.biases}};
  if (!qoperator.is_null()) report["qoperator"] = qoperator;
  report["activations"] = activation_json(q, ranges);
  report["calibration_error"] =
      error_against(int8, data.batches, reference, o.threads, "quantized model").to_json();
  if (o.sensitivity) {
    nlohmann::json s = nlohmann::json::array();
    for (const auto& l : layer_sensitivity(model, candidates, o.per_channel, ranges, data.batches,
                                           reference, o.threads))
      s.push_back(l.to_json());
    report["sensitivity"] = s;
  }
  if (data.is_dataset)
    report["test"] = test_split_eval(data.source, o.eval_samples, input, fp32, int8, o.threads);
  return report;
}

nlohmann::json quantize_dynamic_file(const QuantizeOnnxOptions& o, const onnx::ModelProto& model,
                                     onnx::ModelProto& out_model) {
  if (o.format != QuantFormat::Qdq)
    throw UsageError("--format applies to --mode static (dynamic mode writes MatMulInteger)");
  out_model = model;
  std::set<std::string> exclude(o.exclude.begin(), o.exclude.end());
  DynamicSummary s = quantize_dynamic_model(out_model, exclude);
  if (s.quantized.empty())
    throw Error(o.input.string() + ": nothing to quantize dynamically (no MatMul or Gemm with " +
                "constant 2-D weights)");
  check_model(out_model, /*full_check=*/true, "quantized model");
  nlohmann::json report;
  report["excluded"] = o.exclude;
  report["quantized_nodes"] = s.quantized;
  report["left_float"] = s.skipped;
  report["summary"] = {{"quantized_nodes", s.quantized.size()},
                       {"qdq_pairs", 0},
                       {"int8_weights", s.quantized.size()},
                       {"int32_biases", 0}};
  // With a dataset named, the accuracy check runs on its test split (no calibration is needed).
  const auto& names = dataset_names();
  if (std::find(names.begin(), names.end(), o.calibrate) != names.end())
    report["test"] =
        test_split_eval(o.calibrate, o.eval_samples, single_float_input(model, o.input.string()),
                        serialize_model(model), serialize_model(out_model), o.threads);
  else if (!o.calibrate.empty())
    throw UsageError(
        "--mode dynamic needs no calibration; --calibrate may only name a dataset "
        "for the accuracy check");
  return report;
}

}  // namespace

nlohmann::json quantize_onnx_file(const QuantizeOnnxOptions& options) {
  onnx::ModelProto model = load_model(options.input);
  check_model(model, false, options.input.string());
  onnx::ModelProto out_model;
  nlohmann::json report;
  report["input"] = options.input.string();
  report["output"] = options.output.string();
  report["mode"] = to_string(options.mode);
  report["format"] = to_string(options.format);
  if (options.mode == QuantizeMode::Static)
    report.update(quantize_static_file(options, model, out_model));
  else
    report.update(quantize_dynamic_file(options, model, out_model));
  auto bytes = [](const onnx::ModelProto& m) { return static_cast<int64_t>(m.ByteSizeLong()); };
  report["bytes"] = {{"before", bytes(model)}, {"after", bytes(out_model)}};
  save_model(out_model, options.output);
  if (options.report) write_file_atomic(*options.report, report.dump(2) + "\n");
  return report;
}

std::string format_quantize_report(const nlohmann::json& r, bool markdown) {
  std::string out;
  auto render = [&](const Table& t) { return markdown ? t.markdown() : t.text(); };
  out += fmt::format("{} INT8 ({}), {} → {} bytes\n", r["mode"].get<std::string>(),
                     r["format"].get<std::string>(), r["bytes"]["before"].get<int64_t>(),
                     r["bytes"]["after"].get<int64_t>());
  if (r.contains("calibration")) {
    const auto& c = r["calibration"];
    out += fmt::format("calibration: {} samples of {} in {} batches, method {}\n",
                       c["samples"].get<int64_t>(), c["source"].get<std::string>(),
                       c["batches"].get<int64_t>(), c["method"].get<std::string>());
  }
  if (r.contains("nodes"))
    for (const auto& n : r["nodes"])
      if (n.contains("float_because") && n["float_because"] != "--exclude")
        out += fmt::format("kept float: {} ({}; --quantize-all quantizes it)\n",
                           n["node"].get<std::string>(), n["float_because"].get<std::string>());
  if (r.contains("left_float") && !r["left_float"].empty()) {
    out += "left float:";
    for (const auto& s : r["left_float"]) out += " " + s.get<std::string>() + ";";
    out += "\n";
  }
  if (r.contains("summary")) {
    const auto& s = r["summary"];
    out += fmt::format("quantized nodes: {}, Q→DQ pairs: {}, int8 weights: {}, int32 biases: {}\n",
                       s["quantized_nodes"].get<int>(), s["qdq_pairs"].get<int>(),
                       s["int8_weights"].get<int>(), s["int32_biases"].get<int>());
  }
  if (r.contains("sensitivity")) {
    Table t;
    t.header = {"node", "op", "quantized", "rel L2 alone", "max abs alone", "top-1 agree"};
    t.right_aligned = {false, false, false, true, true, true};
    std::map<std::string, std::string> state;  // "yes", "excluded" or "float (faster)"
    for (const auto& n : r["nodes"])
      state[n["node"].get<std::string>()] = n["quantized"].get<bool>() ? "yes"
                                            : n.value("float_because", "") == "--exclude"
                                                ? "excluded"
                                                : "float (faster)";
    for (const auto& s : r["sensitivity"])
      t.add_row({s["node"].get<std::string>(), s["op"].get<std::string>(),
                 state[s["node"].get<std::string>()],
                 fmt::format("{:.2e}", s["relative_l2"].get<double>()),
                 fmt::format("{:.3g}", s["max_abs_error"].get<double>()),
                 fmt::format("{:.4f}", s["top1_agreement"].get<double>())});
    out += "\nper-layer sensitivity (each node quantized alone, calibration batches):\n";
    out += render(t);
  }
  auto error_line = [](const char* what, const nlohmann::json& e) {
    std::string line =
        fmt::format("{}: rel L2 {:.2e}, max abs {:.3g}", what, e["relative_l2"].get<double>(),
                    e["max_abs_error"].get<double>());
    if (e.contains("top1_agreement"))
      line += fmt::format(", top-1 agreement {:.4f}", e["top1_agreement"].get<double>());
    return line + "\n";
  };
  out += "\n";
  if (r.contains("calibration_error"))
    out += error_line("INT8 vs FP32 on the calibration batches", r["calibration_error"]);
  if (r.contains("test")) {
    const auto& t = r["test"];
    out += error_line("INT8 vs FP32 on the test split", t["error"]);
    out +=
        fmt::format("accuracy on {} test ({} samples): FP32 {:.2f}%, INT8 {:.2f}% ({:+.2f} pp)\n",
                    t["dataset"].get<std::string>(), t["samples"].get<int64_t>(),
                    t["fp32_top1"].get<double>() * 100, t["int8_top1"].get<double>() * 100,
                    -t["drop_pp"].get<double>());
  }
  return out;
}

}  // namespace kiln
