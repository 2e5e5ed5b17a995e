#include "quantize_onnx/quantize_onnx_file.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "bench/accuracy.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/table.h"
#include "common/thread_limit.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"
#include "onnx/graph_view.h"
#include "onnx/model_io.h"
#include "quantize_onnx/accuracy_budget.h"
#include "quantize_onnx/calibration_data.h"
#include "quantize_onnx/dynamic_rewrite.h"
#include "quantize_onnx/float_gaps.h"
#include "quantize_onnx/model_error.h"
#include "quantize_onnx/plan_latency.h"
#include "quantize_onnx/preoptimize.h"
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

// --accuracy-budget: how many plans within the budget are timed, and by how much another must
// beat the search's choice (fewest float nodes) to replace it: a margin above run-to-run noise.
constexpr size_t kTimedPlans = 4;
constexpr double kPlanTimingMargin = 0.05;

// Times the plans that held the budget (the search's choice first) at batch 1 on `sample` and
// keeps the fastest in `choice` (plan_latency.h); records each timed trial's p50. Returns how the
// plan was chosen; `*faster_note` says why a node beyond what the budget needs stays float.
std::string keep_fastest_plan(
    BudgetChoice& choice, const std::function<std::string(const std::vector<std::string>&)>& bytes,
    const std::vector<HostTensor>& sample, int threads, std::string* faster_note) {
  auto plans = plans_within_budget(choice, kTimedPlans);
  if (plans.size() < 2) return "the only plan tried that held the budget";
  std::vector<std::string> models;
  for (const auto& p : plans) models.push_back(bytes(p.kept_float));
  PlanTiming timing;
  timing.threads = threads;
  auto p50 = plan_p50_ms(models, sample, timing);
  size_t pick = pick_fastest_plan(p50, kPlanTimingMargin);
  for (auto& t : choice.trials)
    for (size_t i = 0; i < plans.size(); ++i)
      if (t.kept_float == plans[i].kept_float) t.p50_ms = p50[i];
  if (pick != 0) {
    *faster_note =
        fmt::format("; its plan ran faster at batch 1 ({:.3g} ms vs {:.3g} ms)", p50[pick], p50[0]);
    choice.kept_float = plans[pick].kept_float;
    choice.drop_pp = plans[pick].drop_pp;
  }
  return fmt::format(
      "timed: {} plans within the budget at batch 1, the fewest float nodes unless another is "
      "more than {:.0f}% faster; {}",
      plans.size(), kPlanTimingMargin * 100,
      pick == 0 ? fmt::format("the fewest ran in {:.3g} ms", p50[0])
                : fmt::format("{} float node(s) ran in {:.3g} ms vs {:.3g} ms",
                              plans[pick].kept_float.size(), p50[pick], p50[0]));
}

// Held-out batches for --accuracy-budget and how a plan's drop is measured on them.
struct HoldOut {
  Batches batches;
  std::vector<uint8_t> labels;  // empty: no labels, the drop is top-1 disagreement with FP32
  std::string measured_on;
};

HoldOut hold_out(const QuantizeOnnxOptions& o, const CalibrationData& data,
                 const std::string& input) {
  HoldOut h;
  if (!data.is_dataset) {
    h.batches = data.batches;
    h.measured_on = fmt::format(
        "the {} calibration samples of {} (no labels: the drop is top-1 disagreement with FP32 "
        "on calibration-like inputs)",
        data.samples, data.source);
    return h;
  }
  Dataset train = load_dataset(data.source, Split::kTrain);
  const int64_t n = std::min(o.holdout_samples, train.count);
  const int64_t start = train.count - n;
  if (start < data.samples)
    throw OptionError(std::vector<std::string>{"holdout_samples", "calib_samples"},
                      fmt::format("overlap: the held-out slice must not contain calibration "
                                  "samples ({} + {} > {} training samples)",
                                  o.holdout_samples, data.samples, train.count));
  const int64_t batch = 250;
  for (int64_t s = start; s < train.count; s += batch) {
    HostTensor t = dataset_batch(train, s, std::min(batch, train.count - s));
    t.name = input;
    h.batches.push_back({std::move(t)});
  }
  h.labels.assign(train.labels.begin() + start, train.labels.end());
  h.measured_on = fmt::format("{} training split [{}, {}) (held out: never calibrated on)",
                              data.source, start, train.count);
  return h;
}

// Percentage points lost by `candidate` against `reference` on the held-out batches: top-1
// accuracy drop with labels, top-1 disagreement without.
double drop_pp(const HoldOut& h, const std::vector<HostTensor>& reference,
               const std::vector<HostTensor>& candidate) {
  if (h.labels.empty()) {
    OutputMetrics m;
    for (size_t i = 0; i < reference.size(); ++i) m.add(reference[i], candidate[i]);
    return (1.0 - m.stats().top1_agreement.value_or(0.0)) * 100.0;
  }
  int64_t ref = 0, cand = 0, offset = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    const int64_t count = reference[i].shape.at(0);
    ref += count_top1_correct(reference[i], h.labels.data() + offset, count);
    cand += count_top1_correct(candidate[i], h.labels.data() + offset, count);
    offset += count;
  }
  return static_cast<double>(ref - cand) * 100.0 / static_cast<double>(offset);
}

// `model` is what gets quantized (pre-optimized when that was on); `original` is the user's
// model, the reference of every error and accuracy figure.
void quantize_static_file(const QuantizeOnnxOptions& o, const onnx::ModelProto& original,
                          const onnx::ModelProto& model, onnx::ModelProto& out_model,
                          QuantizeOnnxResult& report) {
  const std::string what = o.input.string();
  const std::vector<std::string> inputs = data_inputs(model);
  CalibrationData data = load_calibration_data(o.calibrate, o.calib_samples, o.calib_batch, inputs);

  // Ranges for every quantizable node's tensors, so any exclusion set (and each layer alone in
  // the sensitivity analysis) finds its ranges.
  PlanOptions all;
  all.per_channel = o.per_channel;
  all.pad_channels = o.pad_channels;
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

  const std::string fp32 = serialize_model(original);
  auto reference = first_outputs(fp32, data.batches, o.threads, "float model");
  std::vector<LayerSensitivity> sensitivity;
  if (o.sensitivity || o.accuracy_budget_pp)
    sensitivity = layer_sensitivity(model, candidates, o.per_channel, ranges, data.batches,
                                    reference, o.threads);
  std::map<std::string, std::string> budget_reason;  // node → why the budget keeps it float
  if (o.accuracy_budget_pp) {
    HoldOut h = hold_out(o, data, inputs.at(0));
    auto held_ref = first_outputs(fp32, h.batches, o.threads, "float model");
    // Candidates: what the plan would quantize, most sensitive first.
    std::set<std::string> planned;
    for (const auto& n : quantize_static_model(model, chosen, ranges).plan.nodes)
      planned.insert(n.label);
    std::vector<LayerSensitivity> ranked;
    for (const auto& l : sensitivity)
      if (planned.count(l.label)) ranked.push_back(l);
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.top1_agreement != b.top1_agreement ? a.top1_agreement < b.top1_agreement
                                                  : a.relative_l2 > b.relative_l2;
    });
    std::vector<std::string> order;
    for (const auto& l : ranked) order.push_back(l.label);
    auto plan_bytes = [&](const std::vector<std::string>& kept) -> std::string {
      PlanOptions p = chosen;
      p.exclude.insert(kept.begin(), kept.end());
      return serialize_model(quantize_static_model(model, p, ranges).model);
    };
    PlanDrop measure = [&](const std::vector<std::string>& kept) {
      return drop_pp(h, held_ref,
                     first_outputs(plan_bytes(kept), h.batches, o.threads, "quantized model"));
    };
    BudgetRecord b;
    b.budget_pp = *o.accuracy_budget_pp;
    b.metric = h.labels.empty() ? "top-1 disagreement with FP32" : "top-1 accuracy drop";
    b.measured_on = h.measured_on;
    for (const auto& batch : h.batches) b.samples += batch.at(0).shape.at(0);
    std::vector<BudgetTrialRecord> tried;
    auto choice = choose_within_budget(order, b.budget_pp, measure, &tried);
    if (!choice) {
      double best = tried.empty() ? 0 : tried.back().drop_pp;
      throw Error(fmt::format(
          "{}: no INT8 plan stays within the accuracy budget of {} pp on {}: the smallest drop "
          "with at least one node quantized was {:.3g} pp ({} nodes kept float); raise "
          "--accuracy-budget or quantize dynamically",
          what, b.budget_pp, h.measured_on, best, order.empty() ? 0 : order.size() - 1));
    }
    // The proxy's choice against the other plans that held, timed: a float node can be the
    // faster one.
    std::vector<std::string> needed = choice->kept_float;  // what the budget itself needs
    std::string timing_note;
    b.chosen_by = keep_fastest_plan(*choice, plan_bytes, first_sample(h.batches.at(0)), o.threads,
                                    &timing_note);
    b.trials = choice->trials;
    b.drop_pp = choice->drop_pp;
    for (const auto& label : choice->kept_float) {
      size_t rank =
          static_cast<size_t>(std::find(order.begin(), order.end(), label) - order.begin());
      const auto& l = ranked[rank];
      const bool for_budget = std::find(needed.begin(), needed.end(), label) != needed.end();
      std::string why =
          for_budget ? fmt::format(
                           "sensitivity rank {} of {} (alone: rel L2 {:.2e}, top-1 agreement "
                           "{:.4f}); the budget does not hold with it quantized",
                           rank + 1, order.size(), l.relative_l2, l.top1_agreement)
                     : fmt::format(
                           "sensitivity rank {} of {}; the budget holds with it quantized, but "
                           "the plan that keeps it float is faster{}",
                           rank + 1, order.size(), timing_note);
      b.kept_float.push_back({label, why});
      budget_reason[label] = "--accuracy-budget: " + why;
      chosen.exclude.insert(label);
    }
    report.budget = b;
  }
  StaticQuantized q = quantize_static_model(model, chosen, ranges);
  {
    onnx::ModelProto copy = model;
    ModelScope scope(copy);
    GraphView view(*copy.mutable_graph(), scope);
    report.float_gaps = float_gaps(view, q.plan);
  }
  out_model = q.model;
  if (o.format == QuantFormat::QOperator) {
    QOperatorSummary s = convert_to_qoperator(out_model);
    check_model(out_model, /*full_check=*/true, "QOperator model");
    report.qoperator = QOperatorRecord{s.qlinear_conv, s.qlinear_matmul, s.integer_data_movement};
  }

  const std::string int8 = serialize_model(out_model);
  CalibrationRecord cal{data.source, data.samples, static_cast<int64_t>(data.batches.size()),
                        to_string(o.calibration.method), std::nullopt};
  if (o.calibration.method == CalibrationMethod::Percentile)
    cal.percentile = o.calibration.percentile;
  report.calibration = cal;
  report.per_channel = o.per_channel;
  report.excluded = o.exclude;
  report.channel_padding = o.pad_channels;
  for (const auto& c : candidates) {
    QuantNodeRecord n{c.label,
                      c.op,
                      !chosen.exclude.count(c.label),
                      c.weight_axis >= 0 ? "int8 per channel" : "int8 per tensor",
                      std::nullopt,
                      std::nullopt,
                      std::nullopt};
    if (budget_reason.count(c.label))
      n.float_because = budget_reason[c.label];
    else if (chosen.exclude.count(c.label))
      n.float_because = "--exclude";
    if (n.quantized && o.pad_channels && c.padded_channels > 0) {
      n.input_channels = c.input_channels;
      n.padded_channels = c.padded_channels;
    }
    report.nodes.push_back(n);
  }
  std::vector<IntegerOpRecord> integer_ops;
  for (const auto& op : q.plan.integer_ops) integer_ops.push_back({op.label, op.op});
  report.summary = {q.summary.quantized_nodes, q.summary.qdq_pairs, q.summary.weights,
                    q.summary.biases, integer_ops};
  report.activations = activation_records(q, ranges);
  OutputMetrics calibration =
      error_against(int8, data.batches, reference, o.threads, "quantized model");
  // Verified on something, and NaN/Inf only where the float model has the very same ones.
  if (auto p = calibration.problem(std::numeric_limits<double>::infinity(),
                                   {/*matching_nonfinite=*/true, /*empty=*/false},
                                   "the float model", "the quantized model"))
    throw Error(
        fmt::format("{}: quantized model on the calibration data: {}; nothing written", what, *p));
  report.calibration_error = calibration.stats();
  for (const auto& l : sensitivity)
    report.sensitivity.push_back({l.label, l.op, l.relative_l2, l.max_abs, l.top1_agreement});
  if (data.is_dataset)
    report.test = test_split_eval(data.source, o.eval_samples, inputs.at(0), fp32, int8, o.threads);
  if (report.budget && report.test) {
    report.budget->test_drop_pp = report.test->drop_pp;
    report.budget->within_on_test = report.test->drop_pp <= report.budget->budget_pp + 1e-12;
  }
}

void quantize_dynamic_file(const QuantizeOnnxOptions& o, const onnx::ModelProto& original,
                           const onnx::ModelProto& model, onnx::ModelProto& out_model,
                           QuantizeOnnxResult& report) {
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
                    0, std::nullopt};
  // With a dataset named, the accuracy check runs on its test split (no calibration is needed).
  if (is_dataset_name(o.calibrate))
    report.test = test_split_eval(o.calibrate, o.eval_samples,
                                  single_calibration_input(model, o.input.string()),
                                  serialize_model(original), serialize_model(out_model), o.threads);
}

}  // namespace

void QuantizeOnnxOptions::validate() const {
  if (input.empty()) throw OptionError("input", "is required (the float ONNX model)");
  if (output.empty())
    throw OptionError("output", "is required (where to write the quantized model)");
  if (calib_samples < 1) throw OptionError("calib_samples", "must be at least 1");
  if (calib_batch < 1) throw OptionError("calib_batch", "must be at least 1");
  if (!(calibration.percentile > 0 && calibration.percentile <= 100))
    throw OptionError("calibration.percentile", "must be in (0, 100]");
  if (calibration.bins < 2) throw OptionError("calibration.bins", "must be at least 2");
  if (eval_samples < 0)
    throw OptionError("eval_samples", "must be at least 0 (0: the whole split)");
  check_thread_option(threads, "threads", "ONNX Runtime's default");
  if (mode == QuantizeMode::Static && calibrate.empty())
    throw OptionError("calibrate",
                      "is required in static mode (a dataset name or a folder of .pb tensors)");
  if (mode == QuantizeMode::Dynamic && format != QuantFormat::Qdq)
    throw OptionError("format", "applies to static mode only (dynamic mode writes MatMulInteger)");
  if (accuracy_budget_pp && !(*accuracy_budget_pp >= 0 && *accuracy_budget_pp <= 100))
    throw OptionError("accuracy_budget_pp", "must be between 0 and 100 (percentage points)");
  if (accuracy_budget_pp && mode != QuantizeMode::Static)
    throw OptionError("accuracy_budget_pp", "applies to static mode only");
  if (holdout_samples < 1) throw OptionError("holdout_samples", "must be at least 1");
  if (mode == QuantizeMode::Dynamic && !calibrate.empty() && !is_dataset_name(calibrate))
    throw OptionError("calibrate",
                      "may only name a dataset in dynamic mode (for the accuracy check; dynamic "
                      "quantization needs no calibration)");
}

QuantizeOnnxResult quantize_onnx_file(const QuantizeOnnxOptions& options) {
  options.validate();
  const onnx::ModelProto original = load_model(options.input);
  check_model(original, false, options.input.string());
  onnx::ModelProto model = original, out_model;
  QuantizeOnnxResult report;
  if (options.preoptimize)
    report.preoptimize = preoptimize_for_quantization(model, kPreoptimizeRtol);
  report.input = options.input.string();
  report.output = options.output.string();
  report.mode = to_string(options.mode);
  report.format = to_string(options.format);
  if (options.mode == QuantizeMode::Static)
    quantize_static_file(options, original, model, out_model, report);
  else
    quantize_dynamic_file(options, original, model, out_model, report);
  auto bytes = [](const onnx::ModelProto& m) { return static_cast<int64_t>(m.ByteSizeLong()); };
  report.bytes = {bytes(original), bytes(out_model)};
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
  if (r.preoptimize) {
    const PreoptimizeRecord& p = *r.preoptimize;
    if (p.applied) {
      std::string passes;
      for (const auto& x : p.passes)
        passes += fmt::format("{}{} ×{}", passes.empty() ? "" : ", ", x.name, x.rewrites);
      out += fmt::format(
          "pre-optimized: {} ({} → {} nodes, outputs within {:.3g} relative; --no-preoptimize "
          "skips it)\n",
          passes, p.nodes_before, p.nodes_after, p.max_rel.value_or(0));
    } else if (p.skipped_because) {
      out += fmt::format("not pre-optimized: {}\n", *p.skipped_because);
    } else {
      out += "pre-optimized: nothing to rewrite\n";
    }
  }
  for (const auto& n : r.nodes)
    if (n.padded_channels)
      out += fmt::format(
          "channel padding: {} reads its int8 input padded from {} to {} channels, zero weights "
          "for the added ones (ONNX Runtime's int8 Conv is several times slower on fewer than 4; "
          "--no-channel-padding turns it off)\n",
          n.node, n.input_channels.value_or(0), *n.padded_channels);
  for (const auto& g : r.float_gaps)
    out += fmt::format("not fused: {} ({}) is read by float {} {}: {}\n", g.node, g.op, g.reader_op,
                       g.reader, g.why);
  if (r.budget) {
    const BudgetRecord& b = *r.budget;
    out += fmt::format(
        "accuracy budget {} pp ({} on {}, {} samples): {:.3g} pp with {} node(s) "
        "kept float after {} trial(s)\n",
        b.budget_pp, b.metric, b.measured_on, b.samples, b.drop_pp, b.kept_float.size(),
        b.trials.size());
    if (b.chosen_by) out += fmt::format("plan chosen by: {}\n", *b.chosen_by);
    for (const auto& k : b.kept_float)
      out += fmt::format("kept float for the budget: {} ({})\n", k.node, k.why);
    if (b.within_on_test)
      out += fmt::format("budget on the test split: {:.3g} pp, {}\n", b.test_drop_pp.value_or(0),
                         *b.within_on_test ? "within" : "NOT within (the held-out slice misled)");
  }
  if (!r.left_float.empty()) {
    out += "left float:";
    for (const auto& s : r.left_float) out += " " + s + ";";
    out += "\n";
  }
  const QuantSummaryRecord& s = r.summary;
  out += fmt::format("quantized nodes: {}, Q→DQ pairs: {}, int8 weights: {}, int32 biases: {}\n",
                     s.quantized_nodes, s.qdq_pairs, s.int8_weights, s.int32_biases);
  if (s.integer_ops && !s.integer_ops->empty()) {
    std::map<std::string, int> by_op;
    for (const auto& e : *s.integer_ops) ++by_op[e.op];
    std::string ops;
    for (const auto& [op, n] : by_op)
      ops += fmt::format("{}{} ×{}", ops.empty() ? "" : ", ", op, n);
    out += fmt::format("int8 between them: {} (ONNX Runtime's QLinear ops)\n", ops);
  }
  if (!r.sensitivity.empty()) {
    Table t;
    t.header = {"node", "op", "quantized", "rel L2 alone", "max abs alone", "top-1 agree"};
    t.right_aligned = {false, false, false, true, true, true};
    std::map<std::string, std::string> state;  // "yes", "excluded", "float (budget)"
    for (const auto& n : r.nodes)
      state[n.node] = n.quantized                                   ? "yes"
                      : n.float_because.value_or("") == "--exclude" ? "excluded"
                                                                    : "float (budget)";
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
                    t.dataset, t.samples, t.fp32_top1 * 100, t.int8_top1 * 100,
                    std::abs(t.drop_pp) < 5e-3 ? 0.0 : -t.drop_pp);  // no "-0.00"
  }
  return out;
}

}  // namespace kiln
