#include "pipeline/pipeline.h"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "artifact/artifact_choice.h"
#include "artifact/pack.h"
#include "artifact/validate.h"
#include "bench/bench_command.h"
#include "common/atomic_file.h"
#include "common/child_process.h"
#include "common/error.h"
#include "compare/compare.h"
#include "data/dataset.h"
#include "diff/diff_models.h"
#include "diff/diff_report.h"
#include "diff/torchscript_values.h"
#include "export/export_options.h"
#include "fp16/convert_fp16_file.h"
#include "models/zoo.h"
#include "optimize/optimize_file.h"
#include "pipeline/pipeline_files.h"
#include "pipeline/shared_stages.h"
#include "pipeline/pipeline_report.h"
#include "pipeline/stage_cache.h"
#include "pipeline/user_model_stages.h"
#include "precision/precision_study.h"
#include "quantize/dynamic_quantize.h"
#include "quantize_onnx/quantize_onnx_file.h"
#include "torchscript/freeze.h"
#include "train/trainer.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// Mean |Δ| bound of a static INT8 artifact's logits against the float reference (FP32 packs keep
// pack's 1e-3): measured 0.35 on simple_cnn's MNIST test logits (1 epoch, minmax, 512 samples).
constexpr double kInt8MaxMae = 1.0;
// The same bound for an FP16 artifact: FP16 rounds weights and activations to 11 significant
// bits; measured E = 6.5e-4 on the golden inputs (simple_cnn, 1 epoch, `kiln pack` of the
// pipeline's model_fp16.onnx), so 1e-2 leaves 15× headroom.
constexpr double kFp16MaxMae = 1e-2;

std::string timestamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", std::localtime(&t));
  return buf;
}

// Two runs of one command in one stage (FP32 and INT8 exports, ORT optimizations off and on):
// both options enter the key.
template <typename Options>
struct Pair {
  Options first, second;
};
template <typename Options>
void to_json(nlohmann::json& j, const Pair<Options>& p) {
  j = {{"first", p.first}, {"second", p.second}};
}

}  // namespace

void PipelineOptions::validate() const {
  if (artifact != "fp32" && artifact != "int8" && artifact != "fp16" && artifact != "auto")
    throw OptionError("artifact", fmt::format("'{}' is not fp32, int8, fp16 or auto", artifact));
  if (!(accuracy_budget_pp >= 0 && accuracy_budget_pp <= 100))
    throw OptionError("accuracy_budget_pp", "must be between 0 and 100 (percentage points)");
  if (user_model()) {
    if (calib_samples < 1) throw OptionError("calib_samples", "must be at least 1");
    if (eval_samples < 0) throw OptionError("eval_samples", "must be at least 0 (0: every sample)");
    if (opset < kMinOpset || opset > kMaxOpset)
      throw OptionError("opset", fmt::format("{} is outside {}..{}", opset, kMinOpset, kMaxOpset));
    if (!(max_relative_error > 0 && std::isfinite(max_relative_error)))
      throw OptionError("max_relative_error", "must be a positive number");
    return;
  }
  // The user-model options mean nothing to the seminar's own run: refused, not ignored.
  auto only_user = [](bool given, const char* field) {
    if (given)
      throw OptionError(field, "is for a model of your own (--model PATH.pt); the seminar's run uses kiln's model and MNIST");
  };
  only_user(!inputs.empty(), "inputs");
  only_user(!example.empty(), "example");
  only_user(!calibrate.empty(), "calibrate");
  only_user(!eval.empty(), "eval");
  only_user(!ops_libraries.empty(), "ops_libraries");
  only_user(!description.empty(), "description");
  check_dataset_name(dataset);
  check_zoo_model_name(model);
  if (model == "branchy")
    throw OptionError("model", "branchy is the branch study's model; pick simple_cnn or mlp");
  if (artifact != "fp32" && artifact != "int8" && artifact != "fp16" && artifact != "auto")
    throw OptionError("artifact", fmt::format("'{}' is not fp32, int8, fp16 or auto", artifact));
  if (!(accuracy_budget_pp >= 0 && accuracy_budget_pp <= 100))
    throw OptionError("accuracy_budget_pp", "must be between 0 and 100 (percentage points)");
  if (epochs < 1) throw OptionError("epochs", "must be at least 1");
  if (train_limit < 0)
    throw OptionError("train_limit", "must be at least 0 (0: the whole training split)");
}

std::vector<Stage> pipeline_stages(const PipelineOptions& o, const fs::path& root) {
  namespace f = pipeline_files;
  const bool q = o.quick;
  const int runs = q ? 20 : 100;
  const std::string batches = "1,64";
  const int64_t acc_samples = q ? 1000 : 0;  // 0: the whole test split
  const fs::path weights = root / f::kTrain, scripted = root / f::kFreeze / kScriptedFile;
  const fs::path int8_pt = root / f::kPrecision / f::kInt8Pt;
  const fs::path model_onnx = root / f::kExport / f::kModelOnnx,
                 int8_onnx = root / f::kExport / f::kInt8Onnx;
  const fs::path opt_onnx = root / f::kOptimize / f::kOptOnnx,
                 optimize_report = root / f::kOptimize / f::kOptimizeReport;
  const fs::path static_onnx = root / f::kQuantizeStatic / f::kStaticOnnx,
                 quantize_report = root / f::kQuantizeStatic / f::kQuantizeReport;
  const fs::path fp16_onnx = root / f::kConvertFp16 / f::kFp16Onnx,
                 fp16_report = root / f::kConvertFp16 / f::kFp16Report;
  const fs::path choice_report = root / f::kChoose / f::kChoiceReport;
  const fs::path artifact = root / f::kPack / "artifact_v1";
  std::vector<Stage> stages;

  // 1. train
  TrainOptions train;
  train.model = o.model;
  train.dataset = o.dataset;
  train.epochs = o.epochs;
  train.train_limit = o.train_limit > 0 ? o.train_limit : (q ? 6000 : 0);
  train.test_limit = acc_samples;  // --quick: 1000, as every other stage's accuracy
  train.out = weights;
  const fs::path kiln = o.kiln_executable;
  stages.push_back(make_stage<TrainOptions>(
      f::kTrain, train, {}, {kWeightsFile, kTrainRecordFile},
      [kiln](const TrainOptions& t, const fs::path&) {
        if (kiln.empty()) {
          train_model(t);
          return;
        }
        // The child reads these very options (its thread settings differ; the options do not).
        fs::path options_file = t.out.parent_path() / (t.out.filename().string() + ".options.json");
        fs::create_directories(t.out.parent_path());
        write_file_atomic(options_file, record_text(t));
        run_kiln_child(kiln, {"train", "--options-json", options_file.string()});
        std::error_code ec;
        fs::remove(options_file, ec);
      },
      [](const fs::path& dir) {
        auto r = read_record<TrainResult>(dir / kTrainRecordFile);
        return fmt::format("test accuracy {:.2f}% ({} samples, {} epoch(s))", 100 * r.test_accuracy,
                           r.train_samples, r.epochs);
      }));

  // 2. freeze, and the branch study on branchy
  FreezeOptions freeze;
  freeze.model = o.model;
  freeze.weights = weights;
  freeze.out = root / f::kFreeze;
  stages.push_back(make_stage<FreezeOptions>(
      f::kFreeze, freeze, {weights / kWeightsFile, weights / kTrainRecordFile},
      {kTracedFile, kScriptedFile, kFreezeReportJson},
      [](const FreezeOptions& fo, const fs::path&) { freeze_model(fo); },
      [](const fs::path& dir) {
        auto r = read_record<FreezeResult>(dir / kFreezeReportJson);
        return fmt::format("max Δ traced {:.2g}, scripted {:.2g}", r.summary.traced.max,
                           r.summary.scripted.max);
      }));
  FreezeOptions branch;
  branch.model = "branchy";
  branch.dataset = o.dataset;
  branch.out = root / f::kBranchStudy;
  stages.push_back(make_stage<FreezeOptions>(
      f::kBranchStudy, branch, {}, {kFreezeReportJson},
      [](const FreezeOptions& fo, const fs::path&) { freeze_model(fo); },
      [](const fs::path& dir) {
        auto r = read_record<FreezeResult>(dir / kFreezeReportJson);
        return fmt::format("branchy: trace {} (worst Δ {:.2g})",
                           r.verdict.trace_safe ? "safe" : "UNSAFE", r.verdict.worst_traced_delta);
      }));

  // 3. precision (and the INT8 TorchScript model it quantizes). FP16/BF16 are emulated on most
  // CPUs (tens of ms per batch of 64): fewer runs than bench.
  PrecisionOptions precision;
  precision.model = scripted;
  precision.dataset = o.dataset;
  precision.runs = q ? 10 : 30;
  precision.warmup = q ? 3 : 10;
  precision.batches = q ? "1,16" : batches;
  precision.accuracy_samples = q ? 300 : 2000;
  precision.out = root / f::kPrecision;
  stages.push_back(make_stage<PrecisionOptions>(
      f::kPrecision, precision, {scripted}, {f::kPrecisionReport, f::kInt8Pt},
      [](const PrecisionOptions& p, const fs::path&) { precision_study(p); },
      [](const fs::path& dir) {
        auto r = read_record<PrecisionResult>(dir / f::kPrecisionReport);
        return r.conclusion.empty() ? std::string() : r.conclusion.back();
      }));

  // 4. export FP32 and INT8
  Pair<ExportOptions> exports;
  exports.first.model = scripted;
  exports.first.out = model_onnx;
  exports.second.model = int8_pt;
  exports.second.out = int8_onnx;
  // BatchNormalization stays for step 4: the optimize stage folds it and its table counts that.
  exports.first.keep_batch_norm = exports.second.keep_batch_norm = true;
  stages.push_back(make_stage<Pair<ExportOptions>>(
      f::kExport, exports, {scripted, int8_pt},
      {f::kModelOnnx, f::kInt8Onnx, f::kExportFp32, f::kExportInt8},
      [](const Pair<ExportOptions>& e, const fs::path& dir) {
        StagingDir stage(dir);
        for (auto [options, report] :
             {std::pair{e.first, f::kExportFp32}, std::pair{e.second, f::kExportInt8}}) {
          options.out = stage.path(options.out.filename().string());
          write_file_atomic(stage.path(report), record_text(export_onnx(options)));
        }
        stage.commit();
      },
      [](const fs::path& dir) {
        auto r = read_record<ExportResult>(dir / f::kExportFp32);
        return fmt::format("model.onnx {:.2f} MB, opset {}",
                           static_cast<double>(r.file_size_bytes) / 1e6, r.opset);
      }));

  // 5. compare: LibTorch vs ONNX Runtime, FP32 and INT8
  Pair<CompareOptions> compares;
  compares.first.reference = scripted;
  compares.first.target = model_onnx;
  compares.first.dataset = o.dataset;
  compares.first.samples = q ? 256 : 1000;
  compares.second = compares.first;
  compares.second.reference = int8_pt;
  compares.second.target = int8_onnx;
  stages.push_back(make_stage<Pair<CompareOptions>>(
      f::kCompare, compares, {scripted, model_onnx, int8_pt, int8_onnx},
      {f::kCompareFp32, f::kCompareInt8},
      [](const Pair<CompareOptions>& c, const fs::path& dir) {
        StagingDir stage(dir);
        write_file_atomic(stage.path(f::kCompareFp32), record_text(compare_models(c.first)));
        select_quantized_engine("onednn");
        write_file_atomic(stage.path(f::kCompareInt8), record_text(compare_models(c.second)));
        stage.commit();
      },
      [](const fs::path& dir) {
        auto a = read_record<CompareResult>(dir / f::kCompareFp32),
             b = read_record<CompareResult>(dir / f::kCompareInt8);
        return fmt::format("E fp32 {:.2g}, int8 {:.2g} ({})", a.total.mean_abs_error,
                           b.total.mean_abs_error,
                           a.passed && b.passed ? "≤ 1e-3" : "BOUND EXCEEDED");
      }));

  // 6. optimize
  stages.push_back(optimize_stage(model_onnx, root));

  // 6b. static INT8, calibrated on the training split. From the unoptimized export on purpose:
  // quantize-onnx pre-optimizes (BN folding) itself and the report shows it.
  QuantizeOnnxOptions qo;
  qo.input = model_onnx;
  qo.output = static_onnx;
  qo.report = quantize_report;
  qo.calibrate = o.dataset;
  qo.calib_samples = 512;
  qo.eval_samples = acc_samples;
  stages.push_back(make_stage<QuantizeOnnxOptions>(
      f::kQuantizeStatic, qo, {model_onnx}, {f::kStaticOnnx, f::kQuantizeReport},
      [](QuantizeOnnxOptions qs, const fs::path& dir) {
        StagingDir stage(dir);
        qs.output = stage.path(f::kStaticOnnx);
        qs.report = stage.path(f::kQuantizeReport);
        quantize_onnx_file(qs);
        stage.commit();
      },
      [](const fs::path& dir) {
        auto r = read_record<QuantizeOnnxResult>(dir / f::kQuantizeReport);
        return r.test ? fmt::format("INT8 accuracy drop {:.2f} pp", r.test->drop_pp)
                      : std::string("no test split");
      }));

  // 6c. FP16 with float32 inputs/outputs (what the bench and a float caller feed it), ranges
  // measured on the training split.
  ConvertFp16Options half;
  half.input = opt_onnx;
  half.output = fp16_onnx;
  half.report = fp16_report;
  half.keep_io_types = true;
  half.calibrate = o.dataset;
  half.calib_samples = 512;
  half.eval_samples = acc_samples;
  stages.push_back(make_stage<ConvertFp16Options>(
      f::kConvertFp16, half, {opt_onnx}, {f::kFp16Onnx, f::kFp16Report},
      [](ConvertFp16Options h, const fs::path& dir) {
        StagingDir stage(dir);
        h.output = stage.path(f::kFp16Onnx);
        h.report = stage.path(f::kFp16Report);
        convert_fp16_file(h);
        stage.commit();
      },
      [](const fs::path& dir) {
        auto r = read_record<ConvertFp16Result>(dir / f::kFp16Report);
        return fmt::format("{} nodes FP16, {} kept FP32{}", r.fp16_nodes, r.fp32_nodes,
                           r.test ? fmt::format(", accuracy drop {:.2f} pp", r.test->drop_pp)
                                  : std::string());
      }));

  // 6d. Where quantization error enters: model.onnx against the static INT8 model, tensor by
  // tensor, the first divergent node explained from the quantizer's own report.
  DiffOptions diff;
  diff.reference = model_onnx;
  diff.target = static_onnx;
  diff.explain = {quantize_report};
  diff.dataset = o.dataset;
  diff.real_only = true;  // random inputs beyond the calibrated range would be clipped
  stages.push_back(make_stage<DiffOptions>(
      f::kDiffInt8, diff, {model_onnx, static_onnx, quantize_report}, {f::kDiffJson, f::kDiffHtml},
      [](const DiffOptions& d, const fs::path& dir) {
        StagingDir stage(dir);
        DiffResult r = diff_models(d, open_torchscript_values);
        write_file_atomic(stage.path(f::kDiffJson), record_text(r));
        write_file_atomic(stage.path(f::kDiffHtml), diff_report_html(r));
        stage.commit();
      },
      [](const fs::path& dir) {
        auto r = read_record<DiffResult>(dir / f::kDiffJson);
        return r.first_divergent ? fmt::format("INT8 error enters at {} ({})", r.first_divergent->node,
                                               r.first_divergent->op)
                                 : std::string("INT8 model agrees within FP32 tolerance");
      }));

  // 7. bench: ORT's own optimizations off (what kiln's passes buy) and on (what ORT does anyway)
  Pair<BenchOptions> bench;
  // The order is read by index below (kBench* in pipeline_files.h).
  bench.first.models = {model_onnx, opt_onnx, int8_onnx, static_onnx, fp16_onnx};
  bench.first.runs = runs;
  bench.first.batches = batches;
  bench.first.dataset = o.dataset;
  bench.first.accuracy_samples = acc_samples;
  bench.first.progress = true;
  bench.second = bench.first;
  bench.first.ort_opt = "disable";
  bench.second.ort_opt = "all";
  bench.second.sgemm = false;  // the machine's rate, measured once
  stages.push_back(make_stage<Pair<BenchOptions>>(
      f::kBench, bench, bench.first.models, {f::kBenchDisable, f::kBenchAll},
      [](const Pair<BenchOptions>& b, const fs::path& dir) {
        StagingDir stage(dir);
        write_file_atomic(stage.path(f::kBenchDisable), record_text(bench_models(b.first)));
        write_file_atomic(stage.path(f::kBenchAll), record_text(bench_models(b.second)));
        stage.commit();
      },
      [](const fs::path& dir) {
        auto r = read_record<BenchResult>(dir / f::kBenchAll);
        const BenchRow row = r.measurement().row(
            1, 1);  // model_opt.onnx at batch 1 (a copy: measurement() is a temporary)
        return fmt::format("model_opt.onnx p50 {:.3f} ms at batch 1", row.latency.p50);
      }));

  // 7b. choose the packed model from the bench's figures (ORT's optimizations on, batch 1)
  ArtifactChoiceOptions choose{o.artifact, o.accuracy_budget_pp};
  const fs::path bench_all = root / f::kBench / f::kBenchAll;
  stages.push_back(make_stage<ArtifactChoiceOptions>(
      f::kChoose, choose, {bench_all}, {f::kChoiceReport},
      [bench_all](const ArtifactChoiceOptions& c, const fs::path& dir) {
        auto measured = read_record<BenchResult>(bench_all).measurement();
        ArtifactChoice choice = choose_artifact(
            measured, {{"fp32", f::kBenchOpt}, {"int8", f::kBenchStatic}, {"fp16", f::kBenchFp16}},
            c.mode, c.accuracy_budget_pp);
        fs::create_directories(dir);
        write_file_atomic(dir / f::kChoiceReport, record_text(choice));
      },
      [](const fs::path& dir) {
        auto c = read_record<ArtifactChoice>(dir / f::kChoiceReport);
        return fmt::format("{} ({})", c.chosen, c.rule);
      }));

  // 8. pack artifact_v1: `optimization` comes from the optimizer's own record (optimize_report);
  // the model is the one 07_choose chose, with its quantization or FP16 record.
  PackOptions pack;
  pack.model = opt_onnx;  // replaced by the chosen model when the stage runs
  pack.reference = scripted;
  pack.name = o.model;
  pack.dataset = o.dataset;
  pack.accuracy_samples = acc_samples;
  pack.optimize_report = optimize_report;
  pack.choice = choice_report;
  pack.latency_runs = runs;
  pack.out = artifact;
  pack.progress = false;
  stages.push_back(make_stage<PackOptions>(
      f::kPack, pack,
      {choice_report, opt_onnx, static_onnx, fp16_onnx, scripted, optimize_report, quantize_report,
       fp16_report},
      {"artifact_v1/metadata.yaml"},
      [=](PackOptions p, const fs::path& dir) {
        const std::string chosen = read_record<ArtifactChoice>(choice_report).chosen;
        if (chosen == "int8") {
          // Made from model.onnx by quantize-onnx, not from model_opt.onnx: its `optimization`
          // is what quantize-onnx's pre-optimization applied.
          p.model = static_onnx;
          p.quantize_report = quantize_report;
          p.optimize_report.reset();
          p.optimization.clear();
          auto quantized = read_record<QuantizeOnnxResult>(quantize_report);
          if (quantized.preoptimize && quantized.preoptimize->applied)
            for (const auto& pass : quantized.preoptimize->passes) p.optimization.push_back(pass.name);
          p.calibration = fmt::format("minmax, 512 samples ({} training split)", p.dataset);
          p.max_mae = kInt8MaxMae;
        } else if (chosen == "fp16") {
          p.model = fp16_onnx;
          p.fp16_report = fp16_report;
          p.max_mae = kFp16MaxMae;
        }
        fs::create_directories(dir);
        pack_artifact(p);
      },
      [](const fs::path& dir) {
        return "artifact_v1 written: " + (dir / "artifact_v1").string();
      }));

  // 9. validate it, as CI would
  ValidateOptions validate;
  validate.artifact = artifact;
  validate.reference = scripted;
  validate.max_accuracy_drop = 0.5;
  validate.max_latency_ratio = 1.5;
  validate.junit = root / f::kValidate / "junit.xml";
  stages.push_back(validate_stage(validate));
  return stages;
}

PipelineResult run_pipeline(const PipelineOptions& o) {
  o.validate();
  const bool user = o.user_model();
  // The user's data is checked before the run folder exists: bad data writes nothing.
  if (user) check_user_model_data(o);
  fs::path root = o.out.empty() ? fs::path("runs") / timestamp() : o.out;
  std::error_code ec;
  const bool new_root = !fs::exists(fs::symlink_status(root, ec));
  ensure_writable_dir(root);
  auto t0 = std::chrono::steady_clock::now();
  PipelineResult result;
  try {
    if (user)
      for (const auto& line : skipped_user_model_stages()) std::printf("%s\n", line.c_str());
    result.stages = run_stages(user ? user_model_stages(o, root) : pipeline_stages(o, root), root, o.force);
  } catch (...) {
    // A run folder this run created and in which no stage finished holds nothing to reuse:
    // removed, so a failure in the first stage leaves no empty run folder behind.
    if (new_root && !any_stage_done(root)) fs::remove_all(root, ec);
    throw;
  }
  // Peak memory of this process and of the training child (waited for, so it counts).
  struct rusage usage{}, children{};
  ::getrusage(RUSAGE_SELF, &usage);
  ::getrusage(RUSAGE_CHILDREN, &children);
  result.out = root.string();
  result.quick = o.quick;
  result.artifact = o.artifact;
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.peak_rss_mb = static_cast<double>(std::max(usage.ru_maxrss, children.ru_maxrss)) / 1024.0;
  if (user) {
    result.skipped = skipped_user_model_stages();
    write_user_model_report(root, o, result);
  } else {
    write_pipeline_report(root, result);
  }
  write_file_atomic(root / "summary.json", record_text(result));
  return result;
}

}  // namespace kiln
