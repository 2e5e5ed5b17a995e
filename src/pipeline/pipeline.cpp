#include "pipeline/pipeline.h"

#include <sys/resource.h>

#include <chrono>
#include <ctime>
#include <functional>

#include <fmt/format.h>

#include "artifact/pack.h"
#include "artifact/validate.h"
#include "bench/bench_command.h"
#include "common/atomic_file.h"
#include "common/child_process.h"
#include "common/error.h"
#include "compare/compare.h"
#include "data/dataset.h"
#include "export/export_options.h"
#include "models/zoo.h"
#include "optimize/optimize_file.h"
#include "pipeline/pipeline_report.h"
#include "pipeline/stage_cache.h"
#include "precision/precision_study.h"
#include "quantize_onnx/quantize_onnx_file.h"
#include "quantize/dynamic_quantize.h"
#include "torchscript/freeze.h"
#include "train/trainer.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read_file(p)); }

class StageRunner {
 public:
  StageRunner(fs::path root, bool force) : root_(std::move(root)), force_(force) {}

  // Runs `body` unless the stage is fresh; prints one status line with `summary`'s text.
  void run(const std::string& name, const nlohmann::json& options, const std::vector<fs::path>& inputs,
           const std::vector<std::string>& outputs, const std::function<void(const fs::path&)>& body,
           const std::function<std::string(const fs::path&)>& summary) {
    fs::path dir = root_ / name;
    std::string key = stage_key(name, options, inputs);
    auto t0 = std::chrono::steady_clock::now();
    bool cached = !force_ && stage_is_fresh(dir, key, outputs);
    if (!cached) {
      invalidate_stage(dir);
      std::fprintf(stderr, "[%s] running…\n", name.c_str());
      body(dir);
      mark_stage_done(dir, key, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-16s %-8s %6.1f s  %s\n", name.c_str(), cached ? "cached" : "done", s, summary(dir).c_str());
    std::fflush(stdout);
    stages_[name] = {{"cached", cached}, {"seconds", s}};
  }
  const fs::path& root() const { return root_; }
  const nlohmann::json& stages() const { return stages_; }

 private:
  fs::path root_;
  bool force_;
  nlohmann::json stages_ = nlohmann::json::object();
};

// Mean |Δ| bound of a static INT8 artifact's logits against the float reference (FP32 packs keep
// pack's 1e-3): measured 0.35 on simple_cnn's MNIST test logits (1 epoch, minmax, 512 samples).
constexpr double kInt8MaxMae = 1.0;

std::string timestamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", std::localtime(&t));
  return buf;
}

}  // namespace

namespace {
nlohmann::json run_stages(const PipelineOptions& o, const fs::path& root);
}  // namespace

nlohmann::json run_pipeline(const PipelineOptions& o) {
  check_dataset_name(o.dataset);
  check_zoo_model_name(o.model);
  if (o.model == "branchy") throw UsageError("--model branchy is the branch study's model; pick simple_cnn or mlp");
  if (o.artifact != "fp32" && o.artifact != "int8") throw UsageError("--artifact: '" + o.artifact + "' (fp32 or int8)");
  fs::path root = o.out.empty() ? fs::path("runs") / timestamp() : o.out;
  std::error_code ec;
  const bool new_root = !fs::exists(fs::symlink_status(root, ec));
  ensure_writable_dir(root);
  try {
    return run_stages(o, root);
  } catch (...) {
    // A run folder this run created and in which no stage finished holds nothing to reuse:
    // removed, so a failure in the first stage leaves no empty run folder behind.
    if (new_root && !any_stage_done(root)) fs::remove_all(root, ec);
    throw;
  }
}

namespace {

nlohmann::json run_stages(const PipelineOptions& o, const fs::path& root) {
  auto t0 = std::chrono::steady_clock::now();
  StageRunner stages(root, o.force);
  const bool q = o.quick;
  const int runs = q ? 20 : 100;
  const std::string batches = "1,64";
  const int64_t acc_samples = q ? 1000 : 0;  // 0: the whole test split

  // 1. train
  TrainOptions train;
  train.model = o.model;
  train.dataset = o.dataset;
  train.epochs = o.epochs;
  train.train_limit = q ? 6000 : 0;
  stages.run("01_train", {{"model", o.model}, {"dataset", o.dataset}, {"epochs", o.epochs}, {"limit", train.train_limit}, {"seed", train.seed}},
             {}, {kWeightsFile, kTrainRecordFile},
             [&](const fs::path& dir) {
               train.out = dir;
               if (o.kiln_executable.empty()) {
                 train_model(train);
                 return;
               }
               run_kiln_child(o.kiln_executable,
                              {"train", "--model", train.model, "--dataset", train.dataset, "--epochs", std::to_string(train.epochs),
                               "--train-limit", std::to_string(train.train_limit), "--seed", std::to_string(train.seed),
                               "--out", dir.string()});
             },
             [](const fs::path& dir) {
               auto r = read_json(dir / kTrainRecordFile);
               return fmt::format("test accuracy {:.2f}% ({} samples, {} epoch(s))", 100 * r["test_accuracy"].get<double>(),
                                  r["train_samples"].get<int64_t>(), r["epochs"].get<int>());
             });
  fs::path weights = root / "01_train";

  // 2. freeze, and the branch study on branchy
  stages.run("02_freeze", {{"model", o.model}}, {weights / kWeightsFile}, {kTracedFile, kScriptedFile, kFreezeReportJson},
             [&](const fs::path& dir) {
               FreezeOptions f;
               f.model = o.model;
               f.weights = weights;
               f.out = dir;
               freeze_model(f);
             },
             [](const fs::path& dir) {
               auto r = read_json(dir / kFreezeReportJson);
               return fmt::format("max Δ traced {:.2g}, scripted {:.2g}", r["summary"]["traced"]["max"].get<double>(),
                                  r["summary"]["scripted"]["max"].get<double>());
             });
  stages.run("02_branch_study", {{"model", "branchy"}, {"dataset", o.dataset}}, {}, {kFreezeReportJson},
             [&](const fs::path& dir) {
               FreezeOptions f;
               f.model = "branchy";
               f.dataset = o.dataset;
               f.out = dir;
               freeze_model(f);
             },
             [](const fs::path& dir) {
               auto r = read_json(dir / kFreezeReportJson);
               return fmt::format("branchy: trace {} (worst Δ {:.2g})", r["verdict"]["trace_safe"].get<bool>() ? "safe" : "UNSAFE",
                                  r["verdict"]["worst_traced_delta"].get<double>());
             });
  fs::path scripted = root / "02_freeze" / kScriptedFile;

  // 3. precision (and the INT8 TorchScript model it quantizes)
  // FP16/BF16 are emulated on most CPUs (tens of ms per batch of 64): fewer runs than bench.
  const int precision_runs = q ? 10 : 30;
  const std::string precision_batches = q ? "1,16" : batches;
  stages.run("03_precision", {{"runs", precision_runs}, {"batches", precision_batches}, {"samples", q ? 300 : 2000}}, {scripted},
             {"precision_report.json", "model_int8.pt"},
             [&](const fs::path& dir) {
               PrecisionOptions p;
               p.model = scripted;
               p.dataset = o.dataset;
               p.runs = precision_runs;
               p.warmup = q ? 3 : 10;
               p.batches = precision_batches;
               p.accuracy_samples = q ? 300 : 2000;
               p.out = dir;
               precision_study(p);
             },
             [](const fs::path& dir) {
               auto r = read_json(dir / "precision_report.json");
               return r["conclusion"].empty() ? std::string() : r["conclusion"].back().get<std::string>();
             });
  fs::path int8_pt = root / "03_precision" / "model_int8.pt";

  // 4. export FP32 and INT8
  stages.run("04_export", {{"opset", 13}}, {scripted, int8_pt}, {"model.onnx", "model_int8.onnx", "export_fp32.json"},
             [&](const fs::path& dir) {
               StagingDir stage(dir);
               ExportOptions e;
               e.model = scripted;
               e.out = stage.path("model.onnx");
               nlohmann::json r = export_onnx(e);
               write_file_atomic(stage.path("export_fp32.json"), r.dump(2));
               e.model = int8_pt;
               e.out = stage.path("model_int8.onnx");
               nlohmann::json r8 = export_onnx(e);
               write_file_atomic(stage.path("export_int8.json"), r8.dump(2));
               stage.commit();
             },
             [](const fs::path& dir) {
               auto r = read_json(dir / "export_fp32.json");
               return fmt::format("model.onnx {:.2f} MB, opset {}", r["file_size_bytes"].get<double>() / 1e6, r["opset"].get<int>());
             });
  fs::path model_onnx = root / "04_export" / "model.onnx";
  fs::path int8_onnx = root / "04_export" / "model_int8.onnx";

  // 5. compare: LibTorch vs ONNX Runtime, FP32 and INT8
  stages.run("05_compare", {{"samples", q ? 256 : 1000}}, {scripted, model_onnx, int8_pt, int8_onnx},
             {"compare_fp32.json", "compare_int8.json"},
             [&](const fs::path& dir) {
               StagingDir stage(dir);
               CompareOptions c;
               c.reference = scripted;
               c.target = model_onnx;
               c.dataset = o.dataset;
               c.samples = q ? 256 : 1000;
               write_file_atomic(stage.path("compare_fp32.json"), compare_models(c).dump(2));
               select_quantized_engine("onednn");
               c.reference = int8_pt;
               c.target = int8_onnx;
               write_file_atomic(stage.path("compare_int8.json"), compare_models(c).dump(2));
               stage.commit();
             },
             [](const fs::path& dir) {
               auto a = read_json(dir / "compare_fp32.json"), b = read_json(dir / "compare_int8.json");
               return fmt::format("E fp32 {:.2g}, int8 {:.2g} ({})", a["total"]["mean_abs_error"].get<double>(),
                                  b["total"]["mean_abs_error"].get<double>(),
                                  a["passed"].get<bool>() && b["passed"].get<bool>() ? "≤ 1e-3" : "BOUND EXCEEDED");
             });

  // 6. optimize
  stages.run("06_optimize", {{"passes", "default"}}, {model_onnx}, {"model_opt.onnx", "optimize_report.json"},
             [&](const fs::path& dir) {
               StagingDir stage(dir);
               OptimizeFileOptions op;
               op.input = model_onnx;
               op.output = stage.path("model_opt.onnx");
               op.report = stage.path("optimize_report.json");
               optimize_file(op);
               stage.commit();
             },
             [](const fs::path& dir) {
               auto r = read_json(dir / "optimize_report.json");
               return fmt::format("nodes {} → {}", r["before"]["nodes"].get<int>(), r["after"]["nodes"].get<int>());
             });
  fs::path opt_onnx = root / "06_optimize" / "model_opt.onnx";

  // 6b. static INT8 (only when it is the artifact): calibrated on the training split
  const int64_t calib_samples = 512;
  fs::path packed = opt_onnx;
  std::string calibration;
  if (o.artifact == "int8") {
    calibration = fmt::format("minmax, {} samples ({} training split)", calib_samples, o.dataset);
    stages.run("06_quantize_static", {{"method", "minmax"}, {"samples", calib_samples}}, {opt_onnx},
               {"model_int8_static.onnx", "quantize_report.json"},
               [&](const fs::path& dir) {
                 StagingDir stage(dir);
                 QuantizeOnnxOptions qo;
                 qo.input = opt_onnx;
                 qo.output = stage.path("model_int8_static.onnx");
                 qo.report = stage.path("quantize_report.json");
                 qo.calibrate = o.dataset;
                 qo.calib_samples = calib_samples;
                 qo.eval_samples = acc_samples;
                 quantize_onnx_file(qo);
                 stage.commit();
               },
               [](const fs::path& dir) {
                 auto r = read_json(dir / "quantize_report.json");
                 return fmt::format("INT8 accuracy drop {:.2f} pp", r["test"]["drop_pp"].get<double>());
               });
    packed = root / "06_quantize_static" / "model_int8_static.onnx";
  }

  // 7. bench: ORT's own optimizations off (what kiln's passes buy) and on (what ORT does anyway)
  std::vector<fs::path> benched = {model_onnx, opt_onnx, int8_onnx};
  if (o.artifact == "int8") benched.push_back(packed);  // the static INT8 model beside the others
  stages.run("07_bench", {{"runs", runs}, {"batches", batches}}, benched,
             {"bench_disable.json", "bench_all.json"},
             [&](const fs::path& dir) {
               StagingDir stage(dir);
               for (const char* level : {"disable", "all"}) {
                 BenchOptions b;
                 b.models = benched;
                 b.runs = runs;
                 b.batches = batches;
                 b.ort_opt = level;
                 b.dataset = o.dataset;
                 b.accuracy_samples = acc_samples;
                 b.sgemm = std::string(level) == "disable";  // the machine's rate, measured once
                 write_file_atomic(stage.path(fmt::format("bench_{}.json", level)), bench_models(b).dump(2));
               }
               stage.commit();
             },
             [](const fs::path& dir) {
               auto r = read_json(dir / "bench_all.json");
               for (const auto& res : r["results"])
                 if (res["model"] == 1 && res["batch"] == 1) return fmt::format("model_opt.onnx p50 {:.3f} ms at batch 1", res["latency"]["p50_ms"].get<double>());
               return std::string();
             });

  // 8. pack artifact_v1, 9. validate it
  std::vector<std::string> applied;
  // A named copy: a range-for over read_json(...)["runs"] bound a reference into a temporary
  // destroyed before the loop ran (metadata.yaml said `optimization: []`).
  const nlohmann::json optimize_report = read_json(root / "06_optimize" / "optimize_report.json");
  for (const auto& r : optimize_report.at("runs")) {
    std::string p = r["pass"];
    if (r["rewrites"].get<int>() > 0 && std::find(applied.begin(), applied.end(), p) == applied.end()) applied.push_back(p);
  }
  nlohmann::json pack_key{{"name", o.model}, {"passes", applied}};
  if (o.artifact == "int8") pack_key["artifact"] = calibration;
  stages.run("08_pack", pack_key, {packed, scripted}, {"artifact_v1/metadata.yaml"},
             [&](const fs::path& dir) {
               fs::create_directories(dir);
               PackOptions p;
               p.model = packed;
               p.calibration = calibration;
               if (o.artifact == "int8") p.max_mae = kInt8MaxMae;
               p.reference = scripted;
               p.name = o.model;
               p.dataset = o.dataset;
               p.optimization = applied;
               p.latency_runs = runs;
               p.out = dir / "artifact_v1";
               p.progress = false;
               pack_artifact(p);
             },
             [](const fs::path& dir) { return "artifact_v1 written: " + (dir / "artifact_v1").string(); });
  stages.run("09_validate", {}, {root / "08_pack" / "artifact_v1" / "metadata.yaml"}, {"validate.json"},
             [&](const fs::path& dir) {
               fs::create_directories(dir);
               ValidateOptions v;
               v.artifact = root / "08_pack" / "artifact_v1";
               v.reference = scripted;
               v.max_accuracy_drop = 0.5;
               v.max_latency_ratio = 1.5;
               v.junit = dir / "junit.xml";
               auto r = validate_artifact(v);
               write_file_atomic(dir / "validate.json", r.dump(2));
               if (!r["passed"].get<bool>()) throw Error(fmt::format("artifact_v1 failed validation: {}", r["failures"][0].get<std::string>()));
             },
             [](const fs::path& dir) {
               auto r = read_json(dir / "validate.json");
               return fmt::format("{} checks, {}", r["checks"].size(), r["passed"].get<bool>() ? "all passed" : "FAILED");
             });

  // Peak memory of this process and of the training child (waited for, so it counts).
  struct rusage usage {}, children {};
  ::getrusage(RUSAGE_SELF, &usage);
  ::getrusage(RUSAGE_CHILDREN, &children);
  usage.ru_maxrss = std::max(usage.ru_maxrss, children.ru_maxrss);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json summary{{"out", root.string()},
                         {"quick", q},
                         {"stages", stages.stages()},
                         {"wall_seconds", seconds},
                         {"peak_rss_mb", static_cast<double>(usage.ru_maxrss) / 1024.0}};
  write_pipeline_report(root, summary);
  write_file_atomic(root / "summary.json", summary.dump(2) + "\n");
  return summary;
}

}  // namespace

}  // namespace kiln
