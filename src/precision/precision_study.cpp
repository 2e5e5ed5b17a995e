#include "precision/precision_study.h"

#include <algorithm>

#include <fmt/format.h>

#include "bench/bench_runner.h"
#include "bench/torch_target.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/table.h"
#include "compare/output_metrics.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"
#include "doctor/machine_facts.h"
#include "precision/autocast_target.h"
#include "quantize/dynamic_quantize.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

struct Format {
  const char* name;
  const char* file_note;
};

// Why FP16 is slow or fast here, from the CPU's own feature flags.
std::string fp16_note(const nlohmann::json& cpu) {
  const auto& f = cpu.value("features", nlohmann::json::object());
  if (f.value("avx512fp16", false) || f.value("amx_fp16", false)) return "CPU has native fp16 arithmetic";
  return "no native fp16 arithmetic on this CPU (no AVX512-FP16/AMX-FP16): ops convert fp16↔fp32 around fp32 math";
}

std::string bf16_note(const nlohmann::json& cpu) {
  const auto& f = cpu.value("features", nlohmann::json::object());
  if (f.value("avx512bf16", false) || f.value("amx_bf16", false)) return "CPU has native bf16 dot products (AVX512-BF16/AMX)";
  return "no native bf16 dot products on this CPU (no AVX512-BF16/AMX): bf16 is converted to fp32 for the math";
}

}  // namespace

nlohmann::json precision_study(const PrecisionOptions& o) {
  if (o.out.empty()) throw UsageError("--out is required");
  if (o.dataset != "none") check_dataset_name(o.dataset);
  Shape shape = parse_shape(o.input_shape);
  StagingDir stage(o.out);

  fs::path int8 = o.int8;
  nlohmann::json quantize_report;
  if (int8.empty()) {
    QuantizeOptions q;
    q.model = o.model;
    q.engine = o.engine;
    q.out = stage.path("model_int8.pt");
    quantize_report = quantize_dynamic(q);
    int8 = q.out;
  } else {
    select_quantized_engine(o.engine);
  }
  set_torch_threads(o.threads);

  std::vector<BenchModel> models;
  auto add = [&](const std::string& name, const fs::path& path, std::unique_ptr<BenchTarget> target) {
    BenchModel m;
    m.name = name;
    m.path = path;
    m.size_bytes = fs::file_size(path);
    m.target = std::move(target);
    models.push_back(std::move(m));
  };
  add("FP32", o.model, std::make_unique<TorchTarget>(o.model));
  add("BF16 autocast", o.model, std::make_unique<AutocastTarget>(std::make_unique<TorchTarget>(o.model), AutocastDType::BFloat16));
  add("FP16 autocast", o.model, std::make_unique<AutocastTarget>(std::make_unique<TorchTarget>(o.model), AutocastDType::Float16));
  add("INT8 dynamic", int8, std::make_unique<TorchTarget>(int8));

  std::optional<Dataset> test;
  if (o.dataset != "none") {
    auto loc = locate_dataset(o.dataset);
    if (!loc.dir) throw Error(fmt::format("dataset '{}' not found: {} (or pass --dataset none)", o.dataset, loc.how_to_get));
    test = load_dataset_from(*loc.dir, o.dataset, Split::kTest);
  }

  BenchSettings settings;
  settings.runs = o.runs;
  settings.warmup = o.warmup;
  settings.batches = parse_int_list(o.batches, "--batch");
  settings.accuracy_samples = o.accuracy_samples;
  // Blocks of 10 runs per format: an autocast run between two INT8 runs evicts INT8's weights
  // and packed kernels from the caches, which no service running one format sees (measured: INT8
  // batch-1 p50 1.5 ms run-by-run interleaved with BF16/FP16, 0.67 ms beside FP32 alone).
  settings.block = std::min(10, std::max(1, o.runs / 10));
  if (o.progress) settings.progress = [](const std::string& s) { std::fprintf(stderr, "precision: %s\n", s.c_str()); };
  nlohmann::json bench = run_bench(models, shape, settings, test ? &*test : nullptr);

  // Logit differences against FP32 on the same inputs (test images when available).
  HostTensor probe = test ? dataset_batch(*test, 0, std::min<int64_t>(1000, test->count)) : bench_input([&] {
    Shape s = shape;
    s[0] = 256;
    return s;
  }(), 7);
  HostTensor fp32_out = models[0].target->infer(probe);
  nlohmann::json formats = nlohmann::json::array();
  auto cpu = cpu_facts();
  for (size_t i = 0; i < models.size(); ++i) {
    OutputMetrics m;
    if (i > 0) m.add(fp32_out, models[i].target->infer(probe));
    nlohmann::json f = bench["models"][i];
    f["format"] = models[i].name;
    f["vs_fp32"] = m.to_json();
    f["vs_fp32"]["samples"] = probe.shape[0];
    f["device"] = "CPU";
    formats.push_back(f);
  }
  formats[1]["note"] = bf16_note(cpu);
  formats[2]["note"] = fp16_note(cpu) + "; no CUDA device in this LibTorch/machine, so FP16 ran on the CPU";
  formats[3]["note"] = fmt::format("dynamic INT8 Linear layers, {} engine; convolutions stay FP32", o.engine);

  nlohmann::json report;
  report["model"] = o.model.string();
  report["int8_model"] = o.int8.empty() ? std::string("model_int8.pt") : int8.string();
  if (!quantize_report.is_null()) report["quantize"] = quantize_report;
  report["formats"] = formats;
  report["results"] = bench["results"];
  report["warnings"] = bench["warnings"];
  report["settings"] = {{"runs", o.runs}, {"warmup", o.warmup}, {"batches", settings.batches}, {"threads", torch_threads()},
                        {"engine", o.engine}, {"timing", fmt::format("interleaved in blocks of {} runs (FP32, BF16, FP16, INT8, FP32, …) per batch size", settings.block)}};
  report["machine"] = {{"cpu", cpu}, {"thread_environment", thread_env_facts()}};

  // The conclusion, in the seminar's terms, from the numbers above.
  auto p50 = [&](size_t model, int64_t batch) {
    for (const auto& r : bench["results"])
      if (r["model"] == model && r["batch"] == batch) return r["latency"]["p50_ms"].get<double>();
    return 0.0;
  };
  std::vector<std::string> lines;
  for (size_t i = 1; i < models.size(); ++i) {
    std::string speed;
    for (auto b : settings.batches) {
      double ratio = p50(0, b) / p50(i, b);
      speed += fmt::format("{}{:.2f}× {} at batch {}", speed.empty() ? "" : ", ", ratio >= 1 ? ratio : 1 / ratio,
                           ratio >= 1 ? "faster" : "slower", b);
    }
    double size_ratio = double(models[0].size_bytes) / double(models[i].size_bytes);
    std::string size = size_ratio > 1.01 ? fmt::format("{:.1f}× smaller", size_ratio) : "same file (autocast casts at run time)";
    std::string acc = formats[i].contains("delta_accuracy_pp")
                          ? fmt::format("{:+.2f} pp accuracy", formats[i]["delta_accuracy_pp"].get<double>())
                          : fmt::format("top-1 agreement with FP32 {:.2f}%", 100 * formats[i]["vs_fp32"].value("top1_agreement", 1.0));
    lines.push_back(fmt::format("{}: {}, {}, {}", models[i].name, speed, size, acc));
  }
  report["conclusion"] = lines;

  write_file_atomic(stage.path("precision_report.json"), report.dump(2) + "\n");
  write_file_atomic(stage.path("precision_report.md"), precision_markdown(report));
  stage.commit();
  return report;
}

std::string precision_markdown(const nlohmann::json& r) {
  std::string out = fmt::format("# Precision: {}\n\n", r["model"].get<std::string>());
  Table t;
  t.header = {"format", "batch", "p50 ms", "p90 ms", "p99 ms", "samples/s", "max abs Δ vs FP32", "mean abs Δ", "top-1 = FP32",
              "accuracy", "Δ pp", "file MB"};
  t.right_aligned = {false, true, true, true, true, true, true, true, true, true, true, true};
  for (const auto& res : r["results"]) {
    const auto& f = r["formats"][res["model"].get<size_t>()];
    const auto& d = f["vs_fp32"];
    bool ref = res["model"] == 0;
    t.add_row({f["format"].get<std::string>(), std::to_string(res["batch"].get<int64_t>()),
               fmt::format("{:.3f}", res["latency"]["p50_ms"].get<double>()), fmt::format("{:.3f}", res["latency"]["p90_ms"].get<double>()),
               fmt::format("{:.3f}", res["latency"]["p99_ms"].get<double>()),
               fmt::format("{:.0f}", res["throughput_samples_per_s"].get<double>()),
               ref ? "—" : fmt::format("{:.2e}", d["max_abs_error"].get<double>()),
               ref ? "—" : fmt::format("{:.2e}", d["mean_abs_error"].get<double>()),
               ref ? "—" : fmt::format("{:.2f}%", 100 * d.value("top1_agreement", 1.0)),
               f.contains("accuracy") ? fmt::format("{:.2f}%", 100 * f["accuracy"]["top1"].get<double>()) : "—",
               f.contains("delta_accuracy_pp") && !ref ? fmt::format("{:+.2f}", f["delta_accuracy_pp"].get<double>()) : "—",
               fmt::format("{:.2f}", double(f["size_bytes"].get<int64_t>()) / 1e6)});
  }
  out += t.markdown();
  out += "\n## Conclusion\n\n";
  for (const auto& l : r["conclusion"]) out += "- " + l.get<std::string>() + "\n";
  out += "\n## Notes\n\n";
  for (const auto& f : r["formats"])
    if (f.contains("note")) out += fmt::format("- {}: {}\n", f["format"].get<std::string>(), f["note"].get<std::string>());
  const auto& s = r["settings"];
  out += fmt::format("- Timing: {}; {} runs after {} warm-up runs; LibTorch intra-op threads {}.\n", s["timing"].get<std::string>(),
                     s["runs"].get<int>(), s["warmup"].get<int>(), s["threads"].get<int>());
  for (const auto& w : r["warnings"]) out += "- Warning: " + w.get<std::string>() + "\n";
  return out;
}

}  // namespace kiln
