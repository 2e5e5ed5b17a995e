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

std::vector<ActivationRecord> activation_records(const StaticQuantized& q,
                                                 const std::map<std::string, Range>& ranges) {
  std::vector<ActivationRecord> out;
  for (const auto& t : q.plan.activations) {
    const auto& p = q.activations.at(t);
    ActivationRecord j;
    j.tensor = t;
    j.scale = p.scale[0];
    j.zero_point = p.zero_point[0];
    auto shared = q.plan.shares_params_with.find(t);
    if (shared != q.plan.shares_params_with.end()) {
      j.shares_with = shared->second;
    } else {
      j.min = ranges.at(t).min;
      j.max = ranges.at(t).max;
    }
    out.push_back(j);
  }
  return out;
}

// Test-split accuracy of the float and quantized models and the quantized model's output error.
TestSplitRecord test_split_eval(const std::string& dataset, int64_t limit, const std::string& input,
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
  return {dataset,  "test", n, a32.value(), a8.value(), (a32.value() - a8.value()) * 100.0,
          m.stats()};
}

void quantize_static_file(const QuantizeOnnxOptions& o, const onnx::ModelProto& model,
                          onnx::ModelProto& out_model, QuantizeOnnxResult& report) {
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
  if (o.format == QuantFormat::QOperator) {
    QOperatorSummary s = convert_to_qoperator(out_model);
    check_model(out_model, /*full_check=*/true, "QOperator model");
    report.qoperator = QOperatorRecord{s.qlinear_conv, s.qlinear_matmul, s.integer_data_movement};
  }

  const std::string fp32 = serialize_model(model), int8 = serialize_model(out_model);
  auto reference = first_outputs(fp32, data.batches, o.threads, "float model");
  CalibrationRecord cal{data.source, data.samples, static_cast<int64_t>(data.batches.size()),
                        to_string(o.calibration.method), std::nullopt};
  if (o.calibration.method == CalibrationMethod::Percentile)
    cal.percentile = o.calibration.percentile;
  report.calibration = cal;
  report.per_channel = o.per_channel;
  report.excluded = o.exclude;
  report.speed_rules = o.speed_rules;
  for (const auto& c : candidates) {
    const bool kept_for_speed = o.speed_rules && !c.float_faster.empty();
    QuantNodeRecord n{c.label, c.op, !chosen.exclude.count(c.label) && !kept_for_speed,
                      c.weight_axis >= 0 ? "int8 per channel" : "int8 per tensor", std::nullopt};
    if (chosen.exclude.count(c.label))
      n.float_because = "--exclude";
    else if (kept_for_speed)
      n.float_because = c.float_faster;
    report.nodes.push_back(n);
  }
  report.summary = {q.summary.quantized_nodes, q.summary.qdq_pairs, q.summary.weights,
                    q.summary.biases};
  report.activations = activation_records(q, ranges);
  report.calibration_error =
      error_against(int8, data.batches, reference, o.threads, "quantized model").stats();
  if (o.sensitivity) {
    for (const auto& l : layer_sensitivity(model, candidates, o.per_channel, ranges, data.batches,
                                           reference, o.threads))
      report.sensitivity.push_back({l.label, l.op, l.relative_l2, l.max_abs, l.top1_agreement});
  }
  if (data.is_dataset)
    report.test = test_split_eval(data.source, o.eval_samples, input, fp32, int8, o.threads);
}

void quantize_dynamic_file(const QuantizeOnnxOptions& o, const onnx::ModelProto& model,
                           onnx::ModelProto& out_model, QuantizeOnnxResult& report) {
  if (o.format != QuantFormat::Qdq)
    throw UsageError("--format applies to --mode static (dynamic mode writes MatMulInteger)");
  out_model = model;
  std::set<std::string> exclude(o.exclude.begin(), o.exclude.end());
  DynamicSummary s = quantize_dynamic_model(out_model, exclude);
  if (s.quantized.empty())
    throw Error(o.input.string() + ": nothing to quantize dynamically (no MatMul or Gemm with " +
                "constant 2-D weights)");
  check_model(out_model, /*full_check=*/true, "quantized model");
  report.excluded = o.exclude;
  report.quantized_nodes = s.quantized;
  report.left_float = s.skipped;
  report.summary = {static_cast<int>(s.quantized.size()), 0, static_cast<int>(s.quantized.size()),
                    0};
  // With a dataset named, the accuracy check runs on its test split (no calibration is needed).
  const auto& names = dataset_names();
  if (std::find(names.begin(), names.end(), o.calibrate) != names.end())
    report.test =
        test_split_eval(o.calibrate, o.eval_samples, single_float_input(model, o.input.string()),
                        serialize_model(model), serialize_model(out_model), o.threads);
  else if (!o.calibrate.empty())
    throw UsageError(
        "--mode dynamic needs no calibration; --calibrate may only name a dataset "
        "for the accuracy check");
}

}  // namespace

QuantizeOnnxResult quantize_onnx_file(const QuantizeOnnxOptions& options) {
  onnx::ModelProto model = load_model(options.input);
  check_model(model, false, options.input.string());
  onnx::ModelProto out_model;
  QuantizeOnnxResult report;
  report.input = options.input.string();
  report.output = options.output.string();
  report.mode = to_string(options.mode);
  report.format = to_string(options.format);
  if (options.mode == QuantizeMode::Static)
    quantize_static_file(options, model, out_model, report);
  else
    quantize_dynamic_file(options, model, out_model, report);
  auto bytes = [](const onnx::ModelProto& m) { return static_cast<int64_t>(m.ByteSizeLong()); };
  report.bytes = {bytes(model), bytes(out_model)};
  save_model(out_model, options.output);
  if (options.report) write_file_atomic(*options.report, record_text(report));
  return report;
}

std::string format_quantize_report(const QuantizeOnnxResult& r, bool markdown) {
  std::string out;
  auto render = [&](const Table& t) { return markdown ? t.markdown() : t.text(); };
  out +=
      fmt::format("{} INT8 ({}), {} → {} bytes\n", r.mode, r.format, r.bytes.before, r.bytes.after);
  if (r.calibration) {
    const CalibrationRecord& c = *r.calibration;
    out += fmt::format("calibration: {} samples of {} in {} batches, method {}\n", c.samples,
                       c.source, c.batches, c.method);
  }
  for (const auto& n : r.nodes)
    if (n.float_because && *n.float_because != "--exclude")
      out += fmt::format("kept float: {} ({}; --quantize-all quantizes it)\n", n.node,
                         *n.float_because);
  if (!r.left_float.empty()) {
    out += "left float:";
    for (const auto& s : r.left_float) out += " " + s + ";";
    out += "\n";
  }
  const QuantSummaryRecord& s = r.summary;
  out += fmt::format("quantized nodes: {}, Q→DQ pairs: {}, int8 weights: {}, int32 biases: {}\n",
                     s.quantized_nodes, s.qdq_pairs, s.int8_weights, s.int32_biases);
  if (!r.sensitivity.empty()) {
    Table t;
    t.header = {"node", "op", "quantized", "rel L2 alone", "max abs alone", "top-1 agree"};
    t.right_aligned = {false, false, false, true, true, true};
    std::map<std::string, std::string> state;  // "yes", "excluded" or "float (faster)"
    for (const auto& n : r.nodes)
      state[n.node] = n.quantized                                   ? "yes"
                      : n.float_because.value_or("") == "--exclude" ? "excluded"
                                                                    : "float (faster)";
    for (const auto& l : r.sensitivity)
      t.add_row({l.node, l.op, state[l.node], fmt::format("{:.2e}", l.relative_l2),
                 fmt::format("{:.3g}", l.max_abs_error), fmt::format("{:.4f}", l.top1_agreement)});
    out += "\nper-layer sensitivity (each node quantized alone, calibration batches):\n";
    out += render(t);
  }
  auto error_line = [](const char* what, const ErrorStats& e) {
    std::string line =
        fmt::format("{}: rel L2 {:.2e}, max abs {:.3g}", what, e.relative_l2, e.max_abs_error);
    if (e.top1_agreement) line += fmt::format(", top-1 agreement {:.4f}", *e.top1_agreement);
    return line + "\n";
  };
  out += "\n";
  if (r.calibration_error)
    out += error_line("INT8 vs FP32 on the calibration batches", *r.calibration_error);
  if (r.test) {
    const TestSplitRecord& t = *r.test;
    out += error_line("INT8 vs FP32 on the test split", t.error);
    out +=
        fmt::format("accuracy on {} test ({} samples): FP32 {:.2f}%, INT8 {:.2f}% ({:+.2f} pp)\n",
                    t.dataset, t.samples, t.fp32_top1 * 100, t.int8_top1 * 100, -t.drop_pp);
  }
  return out;
}

}  // namespace kiln
