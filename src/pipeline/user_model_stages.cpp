#include "pipeline/user_model_stages.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "artifact/artifact_choice.h"
#include "artifact/pack.h"
#include "artifact/validate.h"
#include "bench/bench_command.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "compare/compare.h"
#include "compare/eval_quality.h"
#include "data/batch_folder.h"
#include "diff/diff_models.h"
#include "diff/diff_report.h"
#include "diff/torchscript_values.h"
#include "export/export_options.h"
#include "fp16/convert_fp16_file.h"
#include "optimize/optimize_file.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_files.h"
#include "pipeline/shared_stages.h"
#include "quantize_onnx/quantize_onnx_file.h"
#include "runtime/example_inputs.h"
#include "torchscript/example_file.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

namespace f = pipeline_files;

constexpr const char* kOutcome = "outcome.json";
constexpr const char* kPackRecord = "pack.json";
constexpr const char* kQuality = "quality.json";

std::vector<std::string> input_names(const std::vector<InputSpec>& specs) {
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name);
  return names;
}

// The files of a data folder, in name order: what a stage reading it depends on (a changed
// calibration folder reruns exactly the stages that read it).
std::vector<fs::path> folder_files(const fs::path& dir) {
  std::vector<fs::path> files;
  if (dir.empty()) return files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> joined(std::vector<fs::path> a, const std::vector<fs::path>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The batch sizes the specs allow: 1 and 16 with a batch symbol, else the one static size.
std::pair<int64_t, int64_t> bench_batches(const std::vector<InputSpec>& specs) {
  if (!batch_symbol(specs).empty()) return {1, 16};
  int64_t n = specs.at(0).dims.empty() ? 1 : specs[0].dims[0].size;
  return {n, n};
}

bool outcome_made(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / kOutcome, ec) && read_record<CandidateOutcome>(dir / kOutcome).made;
}

// Runs `make` into a staging folder; an Error it throws is the candidate's "not made" reason, not
// the pipeline's failure (a model with nothing to quantize still gets its FP32 artifact).
void candidate_stage(const fs::path& dir, const std::function<void(StagingDir&)>& make) {
  StagingDir stage(dir);
  CandidateOutcome outcome;
  try {
    make(stage);
    outcome.made = true;
  } catch (const OptionError&) {
    throw;
  } catch (const Error& e) {
    outcome.reason = e.what();
  }
  write_file_atomic(stage.path(kOutcome), record_text(outcome));
  stage.commit();
}

std::string candidate_summary(const fs::path& dir, const std::string& made) {
  auto o = read_record<CandidateOutcome>(dir / kOutcome);
  return o.made ? made : "not made: " + o.reason;
}

}  // namespace

bool PipelineOptions::user_model() const {
  if (model.find('/') != std::string::npos) return true;
  for (const char* ext : {".pt", ".pth", ".ts", ".zip", ".torchscript"})
    if (model.size() > std::string(ext).size() && model.compare(model.size() - std::string(ext).size(), std::string::npos, ext) == 0)
      return true;
  std::error_code ec;
  return fs::is_regular_file(model, ec);
}

std::vector<std::string> skipped_user_model_stages() {
  return {
      std::string(f::kTrain) + ": skipped — the model comes trained (kiln trains only its own zoo models)",
      std::string(f::kFreeze) + ": skipped — the model comes frozen as TorchScript; trace-vs-script needs the eager module",
      std::string(f::kBranchStudy) + ": skipped — the branch study traces kiln's own branchy module in eager mode",
      std::string(f::kPrecision) + ": skipped — the autocast and eager INT8 study needs the eager module (FP16 and INT8 "
                                   "are measured on the ONNX model below)",
  };
}

void check_user_model_data(const PipelineOptions& o) {
  std::error_code ec;
  if (!fs::exists(o.model, ec)) throw Error(fmt::format("--model {}: no such file", o.model));
  if (!fs::is_regular_file(o.model, ec)) throw Error(fmt::format("--model {}: not a file", o.model));
  if (o.inputs.empty())
    throw OptionError("inputs", "is required for a TorchScript model: NAME:DTYPE:DIMS once per forward argument "
                                "(e.g. --input input:float32:batch=1x3x64x64)");
  validate_input_specs(o.inputs);
  std::vector<InputSpec> specs = o.inputs;
  if (!o.example.empty()) specs = match_example_inputs(specs, read_example_file(o.example), o.example.string()).specs;
  const auto names = input_names(specs);
  if (!o.calibrate.empty()) {
    BatchFolder calib = read_batch_folder(o.calibrate, names, o.calib_samples, "--calibrate");
    check_batches(calib, specs, "--calibrate");
  }
  if (!o.eval.empty()) {
    BatchFolder eval = read_batch_folder(o.eval, names, o.eval_samples, "--eval");
    check_batches(eval, specs, "--eval");
  }
}

std::vector<Stage> user_model_stages(const PipelineOptions& o, const fs::path& root) {
  const fs::path model = fs::absolute(o.model);
  const fs::path model_onnx = root / f::kExport / f::kModelOnnx,
                 export_report = root / f::kExport / f::kExportFp32;
  const fs::path opt_onnx = root / f::kOptimize / f::kOptOnnx,
                 optimize_report = root / f::kOptimize / f::kOptimizeReport;
  const fs::path int8_dir = root / f::kQuantizeStatic;
  const fs::path int8_onnx = int8_dir / (o.calibrate.empty() ? f::kInt8Onnx : f::kStaticOnnx),
                 quantize_report = int8_dir / f::kQuantizeReport;
  const fs::path fp16_dir = root / f::kConvertFp16;
  const fs::path fp16_onnx = fp16_dir / f::kFp16Onnx, fp16_report = fp16_dir / f::kFp16Report;
  const fs::path bench_all = root / f::kBench / f::kBenchAll;
  const fs::path choice_report = root / f::kChoose / f::kChoiceReport;
  const fs::path artifact = root / f::kPack / "artifact_v1";
  const std::vector<fs::path> calib_files = folder_files(o.calibrate), eval_files = folder_files(o.eval);
  const std::vector<fs::path> example_file = o.example.empty() ? std::vector<fs::path>{} : std::vector<fs::path>{o.example};
  const auto [b_lat, b_thr] = bench_batches(o.inputs);
  std::vector<Stage> stages;

  // 04 export, verified in ONNX Runtime against LibTorch at two sizes
  ExportOptions ex;
  ex.model = model;
  ex.inputs = o.inputs;
  ex.example = o.example.empty() ? fs::path() : fs::absolute(o.example);
  ex.opset = o.opset;
  ex.ops_libraries = o.ops_libraries;
  ex.out = model_onnx;
  ex.keep_batch_norm = true;  // folded by the optimize stage, which counts and verifies each rewrite
  stages.push_back(make_stage<ExportOptions>(
      f::kExport, ex, joined({model}, example_file), {f::kModelOnnx, f::kExportFp32},
      [](ExportOptions e, const fs::path& dir) {
        StagingDir stage(dir);
        e.out = stage.path(f::kModelOnnx);
        write_file_atomic(stage.path(f::kExportFp32), record_text(export_onnx(e)));
        stage.commit();
      },
      [](const fs::path& dir) {
        auto r = read_record<ExportResult>(dir / f::kExportFp32);
        return fmt::format("model.onnx {:.2f} MB, opset {}, {} nodes, verified at {} size(s)",
                           static_cast<double>(r.file_size_bytes) / 1e6, r.opset, r.nodes, r.verification.size());
      }));

  // 05 compare: LibTorch against ONNX Runtime on seeded inputs of the specs at two sizes
  CompareOptions cmp;
  cmp.reference = model;
  cmp.target = model_onnx;
  cmp.inputs = o.inputs;
  cmp.dataset = "none";
  cmp.samples = 0;
  stages.push_back(make_stage<CompareOptions>(
      f::kCompare, cmp, {model, model_onnx}, {f::kCompareFp32},
      [](const CompareOptions& c, const fs::path& dir) {
        StagingDir stage(dir);
        CompareResult r = compare_models(c);
        write_file_atomic(stage.path(f::kCompareFp32), record_text(r));
        if (!r.passed)
          throw Error(fmt::format("model.onnx differs from LibTorch: {}", r.failures.empty() ? "?" : r.failures[0]));
        stage.commit();
      },
      [](const fs::path& dir) {
        auto r = read_record<CompareResult>(dir / f::kCompareFp32);
        return fmt::format("E {:.2g}, max |Δ| {:.2g} (bound {:g})", r.total.mean_abs_error, r.total.max_abs_error,
                           r.bounds.max_mae);
      }));

  // 06 optimize
  stages.push_back(optimize_stage(model_onnx, root));

  // 06 INT8: static, calibrated on the user's folder; dynamic (MatMul/Gemm weights) without one
  QuantizeOnnxOptions q;
  q.input = model_onnx;
  q.output = int8_onnx;
  q.report = quantize_report;
  if (o.calibrate.empty()) {
    q.mode = QuantizeMode::Dynamic;
  } else {
    q.calibrate = fs::absolute(o.calibrate).string();
    q.calib_samples = o.calib_samples;
    q.sensitivity = false;  // per-layer runs: minutes on a real network, and the diff stage localizes
  }
  stages.push_back(make_stage<QuantizeOnnxOptions>(
      f::kQuantizeStatic, q, joined({model_onnx}, calib_files), {kOutcome},
      [](QuantizeOnnxOptions qs, const fs::path& dir) {
        candidate_stage(dir, [&](StagingDir& stage) {
          qs.output = stage.path(qs.output.filename().string());
          qs.report = stage.path(f::kQuantizeReport);
          quantize_onnx_file(qs);
        });
      },
      [](const fs::path& dir) {
        return candidate_summary(dir, [&] {
          auto r = read_record<QuantizeOnnxResult>(dir / f::kQuantizeReport);
          return fmt::format("{} INT8: {} nodes quantized, {:.2f} MB → {:.2f} MB", r.mode,
                             r.mode == "dynamic" ? static_cast<int>(r.quantized_nodes.size()) : r.summary.quantized_nodes,
                             static_cast<double>(r.bytes.before) / 1e6, static_cast<double>(r.bytes.after) / 1e6);
        }());
      }));

  // 06 FP16, float32 at the edges; ranges measured on the calibration folder when there is one
  ConvertFp16Options half;
  half.input = opt_onnx;
  half.output = fp16_onnx;
  half.report = fp16_report;
  half.keep_io_types = true;
  half.inputs = o.inputs;
  if (!o.calibrate.empty()) {
    half.calibrate = fs::absolute(o.calibrate).string();
    half.calib_samples = o.calib_samples;
  }
  stages.push_back(make_stage<ConvertFp16Options>(
      f::kConvertFp16, half, joined({opt_onnx}, calib_files), {kOutcome},
      [](ConvertFp16Options h, const fs::path& dir) {
        candidate_stage(dir, [&](StagingDir& stage) {
          h.output = stage.path(f::kFp16Onnx);
          h.report = stage.path(f::kFp16Report);
          convert_fp16_file(h);
        });
      },
      [](const fs::path& dir) {
        return candidate_summary(dir, [&] {
          auto r = read_record<ConvertFp16Result>(dir / f::kFp16Report);
          return fmt::format("{} nodes FP16, {} kept FP32, E {:.2g} against FP32", r.fp16_nodes, r.fp32_nodes,
                             r.error.mean_abs_error);
        }());
      }));

  // 06 diff: where INT8 error enters, node by node (seeded inputs of the specs)
  DiffOptions diff;
  diff.reference = model_onnx;
  diff.target = int8_onnx;
  diff.inputs = o.inputs;
  diff.dataset = "none";
  diff.explain = {quantize_report};
  stages.push_back(make_stage<DiffOptions>(
      f::kDiffInt8, diff, {model_onnx, int8_dir / kOutcome}, {kOutcome},
      [int8_dir](const DiffOptions& d, const fs::path& dir) {
        StagingDir stage(dir);
        CandidateOutcome outcome;
        if (outcome_made(int8_dir)) {
          DiffResult r = diff_models(d, open_torchscript_values);
          write_file_atomic(stage.path(f::kDiffJson), record_text(r));
          write_file_atomic(stage.path(f::kDiffHtml), diff_report_html(r));
          outcome.made = true;
        } else {
          outcome.reason = "no INT8 model to diff";
        }
        write_file_atomic(stage.path(kOutcome), record_text(outcome));
        stage.commit();
      },
      [](const fs::path& dir) {
        return candidate_summary(dir, [&] {
          auto r = read_record<DiffResult>(dir / f::kDiffJson);
          return r.first_divergent ? fmt::format("INT8 error enters at {} ({})", r.first_divergent->node, r.first_divergent->op)
                                   : std::string("INT8 model agrees within FP32 tolerance");
        }());
      }));

  // 07 bench: every model made, ONNX Runtime's optimizations on, at the batch sizes the specs allow
  BenchOptions bench;
  bench.models = {model_onnx, opt_onnx, int8_onnx, fp16_onnx};  // those made, when it runs
  bench.inputs = o.inputs;
  bench.batches = b_lat == b_thr ? std::to_string(b_lat) : fmt::format("{},{}", b_lat, b_thr);
  bench.runs = o.quick ? 20 : 100;
  bench.warmup = o.quick ? 3 : 10;
  bench.dataset = "none";
  bench.ort_opt = "all";
  bench.sgemm = false;
  bench.progress = true;
  stages.push_back(make_stage<BenchOptions>(
      f::kBench, bench, {model_onnx, opt_onnx, int8_dir / kOutcome, fp16_dir / kOutcome, int8_onnx, fp16_onnx},
      {f::kBenchAll},
      [int8_dir, fp16_dir](BenchOptions b, const fs::path& dir) {
        std::vector<fs::path> made{b.models[0], b.models[1]};
        if (outcome_made(int8_dir)) made.push_back(b.models[2]);
        if (outcome_made(fp16_dir)) made.push_back(b.models[3]);
        b.models = made;
        StagingDir stage(dir);
        write_file_atomic(stage.path(f::kBenchAll), record_text(bench_models(b)));
        stage.commit();
      },
      [b_lat](const fs::path& dir) {
        auto r = read_record<BenchResult>(dir / f::kBenchAll).measurement();
        const BenchRow row = r.row(1, b_lat);  // a copy: measurement() was a temporary
        return fmt::format("model_opt.onnx p50 {:.3f} ms at batch {}", row.latency.p50, b_lat);
      }));

  // 07 choose: the fastest within the budget, quality measured on the user's data
  struct ChooseOptions {
    std::string mode;
    double budget_pp, max_relative_error;
    fs::path data;  // --eval, else --calibrate, else none
    int64_t samples;
    std::string flag;  // which of the two, for messages
  };
  ChooseOptions choose{o.artifact, o.accuracy_budget_pp, o.max_relative_error,
                       !o.eval.empty() ? fs::absolute(o.eval) : !o.calibrate.empty() ? fs::absolute(o.calibrate) : fs::path(),
                       !o.eval.empty() ? o.eval_samples : o.calib_samples, !o.eval.empty() ? "--eval" : "--calibrate"};
  nlohmann::json choose_key{{"mode", choose.mode}, {"budget_pp", choose.budget_pp},
                            {"max_relative_error", choose.max_relative_error}, {"data", choose.data},
                            {"samples", choose.samples}};
  Stage ch;
  ch.name = f::kChoose;
  ch.options = choose_key;
  ch.inputs = joined({bench_all, opt_onnx, int8_dir / kOutcome, fp16_dir / kOutcome}, o.eval.empty() ? calib_files : eval_files);
  ch.outputs = {f::kChoiceReport};
  const std::vector<InputSpec> specs = o.inputs;
  ch.run = [=](const fs::path& dir) {
    auto measured = read_record<BenchResult>(bench_all).measurement();
    std::vector<std::pair<std::string, int>> models{{"fp32", 1}};
    std::vector<fs::path> files{opt_onnx};
    int next = 2;
    if (outcome_made(int8_dir)) models.push_back({"int8", next++}), files.push_back(int8_onnx);
    if (outcome_made(fp16_dir)) models.push_back({"fp16", next++}), files.push_back(fp16_onnx);
    auto candidates = artifact_candidates(measured, models, b_lat, b_thr);
    std::string rule;
    StagingDir stage(dir);
    if (!choose.data.empty()) {
      BatchFolder data = read_batch_folder(choose.data, input_names(specs), choose.samples, choose.flag);
      EvalQuality quality = measure_eval_quality(data, opt_onnx, files);
      write_file_atomic(stage.path(kQuality), record_text(quality));
      const bool top1 = quality.metric != "relative_error";
      for (size_t i = 0; i < candidates.size(); ++i) {
        const ModelQuality& mq = quality.models.at(i + 1);  // [0] is the reference itself
        if (top1) {
          candidates[i].accuracy = mq.value;
          candidates[i].drop_pp = mq.drop_pp.value_or(0.0);
          candidates[i].within_budget = *candidates[i].drop_pp <= choose.budget_pp + 1e-9;
        } else {
          candidates[i].relative_error = mq.value;
          candidates[i].within_budget = i == 0 || mq.value <= choose.max_relative_error;
        }
      }
      rule = top1 ? fmt::format("auto: the fastest at batch {} within {:g} pp of FP32 ({})", b_lat, choose.budget_pp,
                                quality.describe())
                  : fmt::format("auto: the fastest at batch {} within relative error {:g} of FP32 ({})", b_lat,
                                choose.max_relative_error, quality.describe());
    } else {
      for (size_t i = 1; i < candidates.size(); ++i) candidates[i].within_budget = false;
      rule = "auto: FP32 — the accuracy cost of INT8/FP16 was not measured (no --eval or --calibrate data)";
    }
    ArtifactChoice choice = choose_among(candidates, choose.mode, choose.budget_pp, rule);
    write_file_atomic(stage.path(f::kChoiceReport), record_text(choice));
    stage.commit();
  };
  ch.summary = [](const fs::path& dir) {
    auto c = read_record<ArtifactChoice>(dir / f::kChoiceReport);
    return fmt::format("{} ({})", c.chosen, c.reason);
  };
  stages.push_back(ch);

  // 08 pack: the chosen model, golden sets from the user's data, their evaluation in metadata.yaml
  PackOptions pack;
  pack.model = opt_onnx;  // the chosen one when the stage runs
  pack.reference = model;
  pack.name = model.stem().string();
  pack.dataset = "none";
  pack.inputs = o.inputs;
  if (!o.eval.empty()) pack.golden_data = fs::absolute(o.eval);
  else if (!o.calibrate.empty()) pack.golden_data = fs::absolute(o.calibrate);
  if (!o.eval.empty()) {
    pack.eval = fs::absolute(o.eval);
    pack.eval_samples = o.eval_samples;
  }
  pack.description = o.description;
  pack.optimize_report = optimize_report;
  pack.choice = choice_report;
  pack.latency_runs = o.quick ? 20 : 100;
  pack.out = artifact;
  pack.progress = false;
  stages.push_back(make_stage<PackOptions>(
      f::kPack, pack,
      joined({choice_report, opt_onnx, int8_dir / kOutcome, fp16_dir / kOutcome, model, int8_onnx, fp16_onnx},
             joined(calib_files, eval_files)),
      {"artifact_v1/metadata.yaml", kPackRecord},
      [=](PackOptions p, const fs::path& dir) {
        UserPackRecord record;
        record.precision = read_record<ArtifactChoice>(choice_report).chosen;
        if (record.precision == "int8") {
          p.model = int8_onnx;
          p.quantize_report = int8_dir / f::kQuantizeReport;
          p.optimize_report.reset();
          p.optimization.clear();
          auto quantized = read_record<QuantizeOnnxResult>(int8_dir / f::kQuantizeReport);
          if (quantized.preoptimize && quantized.preoptimize->applied)
            for (const auto& pass : quantized.preoptimize->passes) p.optimization.push_back(pass.name);
          if (quantized.calibration)
            p.calibration = fmt::format("{} samples of {}", quantized.calibration->samples, o.calibrate.string());
        } else if (record.precision == "fp16") {
          p.model = fp16_onnx;
          p.fp16_report = fp16_dir / f::kFp16Report;
        }
        // An FP32 artifact is held to 1e-3. INT8/FP16 differ from the reference by design: their
        // bound is twice the E measured now, so `kiln validate` catches a regression, while the
        // accuracy cost itself was judged in 07_choose.
        record.max_mae = 1e-3;
        record.bound_rule = "FP32: the seminar's 1e-3";
        if (record.precision != "fp32") {
          CompareOptions c;
          c.reference = p.reference;
          c.target = p.model;
          c.inputs = specs;
          c.dataset = "none";
          c.samples = 0;
          c.max_mae = std::numeric_limits<double>::max();
          CompareResult r = compare_models(c);
          record.measured_mae = r.total.mean_abs_error;
          double bound = 2 * record.measured_mae;
          double scale = std::pow(10.0, std::floor(std::log10(std::max(bound, 1e-12))) - 1);
          record.max_mae = std::max(1e-3, std::ceil(bound / scale) * scale);  // two significant digits, up
          record.bound_rule = fmt::format("{}: 2 × E = {:.3g} measured against the reference at pack time", record.precision,
                                          record.measured_mae);
        }
        p.max_mae = record.max_mae;
        fs::create_directories(dir);
        pack_artifact(p);
        write_file_atomic(dir / kPackRecord, record_text(record));
      },
      [](const fs::path& dir) {
        auto r = read_record<UserPackRecord>(dir / kPackRecord);
        return fmt::format("artifact_v1 ({}, bound {:g}) written: {}", r.precision, r.max_mae, (dir / "artifact_v1").string());
      }));

  // 09 validate, as CI would
  ValidateOptions validate;
  validate.artifact = artifact;
  validate.reference = model;
  if (!o.eval.empty()) validate.max_accuracy_drop = o.accuracy_budget_pp + 0.5;
  validate.max_latency_ratio = 1.5;
  validate.junit = root / f::kValidate / "junit.xml";
  stages.push_back(validate_stage(validate));
  return stages;
}

}  // namespace kiln
