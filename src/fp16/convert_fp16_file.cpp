#include "fp16/convert_fp16_file.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "bench/accuracy.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/thread_limit.h"
#include "compare/output_metrics.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"
#include "fp16/activation_stats.h"
#include "fp16/fp16_plan.h"
#include "fp16/fp16_rewrite.h"
#include "onnx/graph_view.h"
#include "onnx/model_io.h"
#include "quantize_onnx/calibration_data.h"
#include "runtime/ort_session.h"
#include "runtime/random_inputs.h"

namespace kiln {

namespace {

using Batches = std::vector<std::vector<HostTensor>>;

// The batch as the FP16 model takes it: float32 inputs become float16 where its inputs are.
std::vector<HostTensor> as_inputs_of(const OrtSession& session, const std::vector<HostTensor>& b) {
  std::vector<HostTensor> out;
  for (const auto& t : b) {
    bool half = false;
    for (const auto& in : session.inputs())
      half = half || (in.name == t.name && in.elem_type == onnx::TensorProto::FLOAT16);
    if (!half || t.dtype != DType::Float32) {
      out.push_back(t);
      continue;
    }
    HostTensor h(t.name, DType::Float16, t.shape);
    for (int64_t i = 0; i < t.numel(); ++i) h.set(i, t.ptr<float>()[i]);
    out.push_back(std::move(h));
  }
  return out;
}

// Every output of both models on every batch.
struct Runs {
  std::vector<std::vector<HostTensor>> fp32, fp16;
};

Runs run_both(const std::string& fp32, const std::string& fp16, const Batches& batches,
              int threads) {
  SessionOptions so;
  so.intra_op_threads = threads;
  auto a = OrtSession::from_bytes(fp32, so, "FP32 model");
  auto b = OrtSession::from_bytes(fp16, so, "FP16 model");
  Runs r;
  for (const auto& batch : batches) {
    r.fp32.push_back(a.run(batch));
    r.fp16.push_back(b.run(as_inputs_of(b, batch)));
  }
  return r;
}

}  // namespace

void ConvertFp16Options::validate() const {
  if (input.empty()) throw OptionError("input", "is required (the FP32 ONNX model)");
  if (output.empty()) throw OptionError("output", "is required (where to write the FP16 model)");
  if (calib_samples < 1) throw OptionError("calib_samples", "must be at least 1");
  if (eval_samples < 0)
    throw OptionError("eval_samples", "must be at least 0 (0: the whole split)");
  check_thread_option(threads, "threads", "ONNX Runtime's default");
  for (const auto& n : block_ops)
    if (n.empty()) throw OptionError("block_ops", "has an empty op type");
  for (const auto& n : block_nodes)
    if (n.empty()) throw OptionError("block_nodes", "has an empty node name");
}

ConvertFp16Result convert_fp16_file(const ConvertFp16Options& o) {
  o.validate();
  const std::string what = o.input.string();
  const onnx::ModelProto original = load_model(o.input);
  check_model(original, false, what);
  ConvertFp16Result report;
  report.input = what;
  report.output = o.output.string();
  report.keep_io_types = o.keep_io_types;

  // Measured ranges: every float tensor with calibration data, float initializers always.
  std::map<std::string, ActivationStats> stats;
  Batches batches;
  {
    onnx::ModelProto copy = original;
    ModelScope scope(copy);
    GraphView view(*copy.mutable_graph(), scope);
    for (const auto& t : copy.graph().initializer())
      if (t.data_type() == onnx::TensorProto::FLOAT)
        stats[t.name()] = tensor_stats(tensor_from_proto(t, t.name()));
    // Ranges come from the calibration data or, without it, from seeded random inputs at batch
    // 1 and 3 (weaker: only as representative as those inputs, and the report says so). They
    // are always measured: ONNX Runtime's CPU provider runs most FP16 ops through Casts to float32
    // it inserts itself, so an FP16 run on this machine can hide an overflow that a device with
    // native FP16 would hit.
    if (!o.calibrate.empty()) {
      CalibrationData data =
          load_calibration_data(o.calibrate, o.calib_samples, 64, data_inputs(original));
      report.calibration = data.source;
      report.calibration_samples = data.samples;
      report.verified_on =
          fmt::format("the {} calibration samples of {}", data.samples, data.source);
      batches = std::move(data.batches);
    } else if (!o.inputs.empty()) {
      for (bool second : {false, true}) batches.push_back(random_inputs_for(o.inputs, second, 1));
      std::string specs;
      for (const auto& spec : o.inputs) specs += (specs.empty() ? "" : " ") + format_input_spec(spec);
      report.verified_on = fmt::format("seeded random inputs of the specs {} at both sizes (no --calibrate)", specs);
    } else {
      auto session = OrtSession::from_bytes(serialize_model(original), {}, "FP32 model");
      for (int64_t dim : {1, 3}) batches.push_back(random_inputs(session.inputs(), dim, 1));
      report.verified_on = "seeded random inputs in (-1, 1) at batch 1 and 3 (no --calibrate)";
    }
    std::vector<std::string> tensors;
    for (const auto& in : copy.graph().input())
      if (view.elem_type(in.name()) == onnx::TensorProto::FLOAT && !stats.count(in.name()))
        tensors.push_back(in.name());
    for (int i = 0; i < view.node_count(); ++i)
      for (const auto& out : view.node(i).output())
        if (view.elem_type(out) == onnx::TensorProto::FLOAT) tensors.push_back(out);
    for (auto& [name, s] : activation_stats(original, tensors, batches, o.threads)) stats[name] = s;
  }

  onnx::ModelProto model = original;
  std::map<int, std::string> blocked;
  {
    ModelScope scope(model);
    GraphView view(*model.mutable_graph(), scope);
    blocked = plan_fp16(view, {o.block_ops, o.block_nodes, o.allow_unsafe_ops}, stats);
    for (const auto& [i, why] : blocked) {
      const auto& n = view.node(i);
      report.blocked.push_back(
          {n.name().empty() ? n.op_type() + "#" + std::to_string(i) : n.name(), n.op_type(), why});
    }
  }
  Fp16Rewrite rw = convert_to_fp16(model, blocked, o.keep_io_types);
  check_model(model, /*full_check=*/true, "FP16 model");
  report.fp16_nodes = rw.fp16_nodes;
  report.fp32_nodes = rw.fp32_nodes;
  report.casts_inserted = rw.casts;
  report.initializers_converted = rw.initializers;

  // Verified on the inputs the ranges were measured on.
  const std::string fp32 = serialize_model(original), fp16 = serialize_model(model);
  Runs runs = run_both(fp32, fp16, batches, o.threads);
  OutputMetrics m;
  std::string first_bad;
  for (size_t b = 0; b < runs.fp32.size(); ++b)
    for (size_t k = 0; k < runs.fp32[b].size(); ++k) {
      const HostTensor &ref = runs.fp32[b][k], &cand = runs.fp16[b][k];
      if (k == 0 && !m.add(ref, cand)) throw Error("FP16 model: " + m.shape_problem());
      auto a = ref.to_doubles(), c = cand.to_doubles();
      for (size_t i = 0; i < a.size() && i < c.size(); ++i)
        if (std::isfinite(a[i]) && !std::isfinite(c[i])) {
          ++report.new_non_finite;
          if (first_bad.empty()) first_bad = ref.name;
        }
    }
  report.error = m.stats();
  // Verified on something: empty outputs compare nothing (the calibration data is checked for
  // empty batches before this), and a NaN/Inf of the FP32 model the FP16 one lacks is a change too.
  if (auto p = m.problem(std::numeric_limits<double>::infinity(),
                         {/*matching_nonfinite=*/true, /*empty=*/false}, "the FP32 model",
                         "the FP16 model");
      p && report.new_non_finite == 0)
    throw Error(fmt::format("{}: FP16 model on {}: {}; nothing written", what,
                            report.verified_on.empty() ? "its inputs" : report.verified_on, *p));
  if (report.new_non_finite > 0)
    throw Error(fmt::format(
        "{}: the FP16 model gives {} NaN/Inf values where the FP32 model's are finite (first in "
        "output '{}'); calibrate with --calibrate so kiln finds the overflowing nodes, or keep "
        "them FP32 with --block-nodes/--block-ops; nothing written",
        what, report.new_non_finite, first_bad));

  if (is_dataset_name(o.calibrate)) {
    Dataset test = load_dataset(o.calibrate, Split::kTest);
    const int64_t n = o.eval_samples > 0 ? std::min(o.eval_samples, test.count) : test.count;
    const std::string input = single_calibration_input(original, what);
    Batches tb;
    for (int64_t s = 0; s < n; s += 250) {
      HostTensor t = dataset_batch(test, s, std::min<int64_t>(250, n - s));
      t.name = input;
      tb.push_back({std::move(t)});
    }
    Runs tr = run_both(fp32, fp16, tb, o.threads);
    int64_t c32 = 0, c16 = 0, offset = 0;
    for (size_t b = 0; b < tb.size(); ++b) {
      HostTensor y16 = tr.fp16[b].at(0);
      if (y16.dtype == DType::Float16) {  // count_top1_correct reads float32 logits
        HostTensor f(y16.name, DType::Float32, y16.shape);
        for (int64_t i = 0; i < y16.numel(); ++i) f.set(i, y16.at(i));
        y16 = std::move(f);
      }
      const int64_t count = tr.fp32[b].at(0).shape.at(0);
      c32 += count_top1_correct(tr.fp32[b].at(0), test.labels.data() + offset, count);
      c16 += count_top1_correct(y16, test.labels.data() + offset, count);
      offset += count;
    }
    const double a32 = static_cast<double>(c32) / static_cast<double>(n);
    const double a16 = static_cast<double>(c16) / static_cast<double>(n);
    report.test = Fp16AccuracyRecord{o.calibrate, n, a32, a16, (a32 - a16) * 100.0};
  }

  report.bytes = {static_cast<int64_t>(original.ByteSizeLong()),
                  static_cast<int64_t>(model.ByteSizeLong())};
  save_model(model, o.output);
  if (o.report) write_file_atomic(*o.report, record_text(report));
  return report;
}

std::string format_fp16_report(const ConvertFp16Result& r) {
  std::string out = fmt::format(
      "FP16: {} → {} bytes ({:.2f}×), {} nodes FP16, {} kept FP32, {} Casts, {} initializers "
      "converted{}\n",
      r.bytes.before, r.bytes.after,
      r.bytes.before ? static_cast<double>(r.bytes.after) / static_cast<double>(r.bytes.before) : 0,
      r.fp16_nodes, r.fp32_nodes, r.casts_inserted, r.initializers_converted,
      r.keep_io_types ? ", float32 inputs/outputs" : ", float16 inputs/outputs");
  if (r.calibration)
    out +=
        fmt::format("ranges measured on {} samples of {}\n", r.calibration_samples, *r.calibration);
  for (const auto& b : r.blocked)
    out += fmt::format("kept FP32: {} ({}): {}\n", b.node, b.op, b.why);
  out += fmt::format("FP16 vs FP32 on {}: max abs {:.3g}, rel L2 {:.2e}", r.verified_on,
                     r.error.max_abs_error, r.error.relative_l2);
  if (r.error.top1_agreement)
    out += fmt::format(", top-1 agreement {:.4f}", *r.error.top1_agreement);
  out += fmt::format(", new NaN/Inf {}\n", r.new_non_finite);
  if (r.test)
    out += fmt::format(
        "accuracy on {} test ({} samples): FP32 {:.2f}%, FP16 {:.2f}% ({:+.2f} pp)\n",
        r.test->dataset, r.test->samples, r.test->fp32_top1 * 100, r.test->fp16_top1 * 100,
        std::abs(r.test->drop_pp) < 5e-3 ? 0.0 : -r.test->drop_pp);
  return out;
}

}  // namespace kiln
