#include "precision/precision_study.h"

#include <algorithm>

#include <fmt/format.h>

#include "bench/bench_runner.h"
#include "bench/torch_target.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/table.h"
#include "common/thread_limit.h"
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
std::string fp16_note(const CpuFeatures& f) {
  if (f.avx512fp16) return "CPU has native fp16 arithmetic";
  return "no native fp16 arithmetic on this CPU (no AVX512-FP16/AMX-FP16): ops convert fp16↔fp32 "
         "around fp32 math";
}

std::string bf16_note(const CpuFeatures& f) {
  if (f.avx512bf16 || f.amx_bf16) return "CPU has native bf16 dot products (AVX512-BF16/AMX)";
  return "no native bf16 dot products on this CPU (no AVX512-BF16/AMX): bf16 is converted to fp32 "
         "for the math";
}

}  // namespace

void PrecisionOptions::validate() const {
  if (model.empty()) throw OptionError("model", "is required (an FP32 TorchScript file)");
  if (out.empty())
    throw OptionError("out", "is required (the folder for the report and model_int8.pt)");
  if (dataset != "none") check_dataset_name(dataset);
  if (runs < 1) throw OptionError("runs", "must be at least 1");
  if (warmup < 0) throw OptionError("warmup", "must be at least 0");
  check_thread_option(threads, "threads", "LibTorch's default");
  try {
    parse_shape(input_shape);
  } catch (const UsageError& e) {
    throw OptionError("input_shape", first_line(e.what()));
  }
  try {
    if (parse_int_list(batches, "batches").empty())
      throw UsageError("invalid batches '': no batch size");
  } catch (const UsageError& e) {
    // "invalid batches '1,x': 'x' is not a positive integer" → the part after the list.
    std::string why = e.what();
    size_t at = why.find("': ");
    throw OptionError("batches", fmt::format("'{}': {}", batches,
                                             at == std::string::npos ? why : why.substr(at + 3)));
  }
}

PrecisionResult precision_study(const PrecisionOptions& o) {
  o.validate();
  Shape shape = parse_shape(o.input_shape);
  StagingDir stage(o.out);

  fs::path int8 = o.int8;
  std::optional<QuantizeResult> quantize_report;
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
  auto add = [&](const std::string& name, const fs::path& path,
                 std::unique_ptr<BenchTarget> target) {
    BenchModel m;
    m.name = name;
    m.path = path;
    m.size_bytes = fs::file_size(path);
    m.target = std::move(target);
    models.push_back(std::move(m));
  };
  add("FP32", o.model, std::make_unique<TorchTarget>(o.model));
  add("BF16 autocast", o.model,
      std::make_unique<AutocastTarget>(std::make_unique<TorchTarget>(o.model),
                                       AutocastDType::BFloat16));
  add("FP16 autocast", o.model,
      std::make_unique<AutocastTarget>(std::make_unique<TorchTarget>(o.model),
                                       AutocastDType::Float16));
  add("INT8 dynamic", int8, std::make_unique<TorchTarget>(int8));

  std::optional<Dataset> test;
  if (o.dataset != "none") {
    auto loc = locate_dataset(o.dataset);
    if (!loc.dir)
      throw Error(fmt::format("dataset '{}' not found: {} (or pass --dataset none)", o.dataset,
                              loc.how_to_get));
    test = load_dataset_from(*loc.dir, o.dataset, Split::kTest);
  }

  BenchSettings settings;
  settings.runs = o.runs;
  settings.warmup = o.warmup;
  settings.batches = parse_int_list(o.batches, "batches");
  settings.accuracy_samples = o.accuracy_samples;
  // Blocks of 10 runs per format: an autocast run between two INT8 runs evicts INT8's weights
  // and packed kernels from the caches, which no service running one format sees (measured: INT8
  // batch-1 p50 1.5 ms run-by-run interleaved with BF16/FP16, 0.67 ms beside FP32 alone).
  settings.block = std::min(10, std::max(1, o.runs / 10));
  if (o.progress)
    settings.progress = [](const std::string& s) {
      std::fprintf(stderr, "precision: %s\n", s.c_str());
    };
  BenchMeasurement bench = run_bench(models, shape, settings, test ? &*test : nullptr);

  // Logit differences against FP32 on the same inputs (test images when available).
  HostTensor probe = test ? dataset_batch(*test, 0, std::min<int64_t>(1000, test->count))
                          : bench_input(
                                [&] {
                                  Shape s = shape;
                                  s[0] = 256;
                                  return s;
                                }(),
                                7);
  HostTensor fp32_out = models[0].target->infer(probe);
  std::vector<PrecisionFormat> formats;
  CpuFeatures cpu = cpu_features();
  for (size_t i = 0; i < models.size(); ++i) {
    OutputMetrics m;
    if (i > 0) m.add(fp32_out, models[i].target->infer(probe));
    PrecisionFormat f;
    f.format = models[i].name;
    f.model = bench.models[i];
    // The quantized file was measured in the staging folder; record where it ends up.
    if (i == 3 && o.int8.empty()) f.model.path = (o.out / "model_int8.pt").string();
    f.vs_fp32 = m.stats();
    f.vs_fp32_samples = probe.shape[0];
    f.device = "CPU";
    formats.push_back(f);
  }
  formats[1].note = bf16_note(cpu);
  formats[2].note =
      fp16_note(cpu) + "; no CUDA device in this LibTorch/machine, so FP16 ran on the CPU";
  formats[3].note =
      fmt::format("dynamic INT8 Linear layers, {} engine; convolutions stay FP32", o.engine);

  PrecisionResult report;
  report.model = o.model.string();
  report.int8_model = o.int8.empty() ? std::string("model_int8.pt") : int8.string();
  report.quantize = quantize_report;
  report.formats = formats;
  report.results = bench.results;
  report.warnings = bench.warnings;
  report.settings = {
      o.runs,
      o.warmup,
      settings.batches,
      torch_threads(),
      o.engine,
      fmt::format(
          "interleaved in blocks of {} runs (FP32, BF16, FP16, INT8, FP32, …) per batch size",
          settings.block)};
  report.machine = {{"cpu", cpu_facts()}, {"thread_environment", thread_env_facts()}};

  // The conclusion, in the seminar's terms, from the numbers above.
  auto p50 = [&](size_t model, int64_t batch) {
    return bench.row(static_cast<int>(model), batch).latency.p50;
  };
  std::vector<std::string> lines;
  for (size_t i = 1; i < models.size(); ++i) {
    std::string speed;
    for (auto b : settings.batches) {
      double ratio = p50(0, b) / p50(i, b);
      speed += fmt::format("{}{:.2f}× {} at batch {}", speed.empty() ? "" : ", ",
                           ratio >= 1 ? ratio : 1 / ratio, ratio >= 1 ? "faster" : "slower", b);
    }
    double size_ratio = double(models[0].size_bytes) / double(models[i].size_bytes);
    std::string size = size_ratio > 1.01 ? fmt::format("{:.1f}× smaller", size_ratio)
                                         : "same file (autocast casts at run time)";
    const std::optional<double>& delta = formats[i].model.delta_accuracy_pp;
    std::string acc = delta ? fmt::format("{:+.2f} pp accuracy", *delta)
                          : fmt::format("top-1 agreement with FP32 {:.2f}%",
                                        100 * formats[i].vs_fp32.top1_agreement.value_or(1.0));
    lines.push_back(fmt::format("{}: {}, {}, {}", models[i].name, speed, size, acc));
  }
  report.conclusion = lines;

  write_file_atomic(stage.path("precision_report.json"), record_text(report));
  write_file_atomic(stage.path("precision_report.md"), precision_markdown(report));
  stage.commit();
  return report;
}

std::string precision_markdown(const PrecisionResult& r) {
  std::string out = fmt::format("# Precision: {}\n\n", r.model);
  Table t;
  t.header = {"format",
              "batch",
              "p50 ms",
              "p90 ms",
              "p99 ms",
              "samples/s",
              "max abs Δ vs FP32",
              "mean abs Δ",
              "top-1 = FP32",
              "accuracy",
              "Δ pp",
              "file MB"};
  t.right_aligned = {false, true, true, true, true, true, true, true, true, true, true, true};
  for (const auto& res : r.results) {
    const PrecisionFormat& f = r.formats.at(static_cast<size_t>(res.model));
    const ErrorStats& d = f.vs_fp32;
    bool ref = res.model == 0;
    t.add_row({f.format, std::to_string(res.batch), fmt::format("{:.3f}", res.latency.p50),
               fmt::format("{:.3f}", res.latency.p90), fmt::format("{:.3f}", res.latency.p99),
               fmt::format("{:.0f}", res.throughput_samples_per_s),
               ref ? "—" : fmt::format("{:.2e}", d.max_abs_error),
               ref ? "—" : fmt::format("{:.2e}", d.mean_abs_error),
               ref ? "—" : fmt::format("{:.2f}%", 100 * d.top1_agreement.value_or(1.0)),
               f.model.accuracy ? fmt::format("{:.2f}%", 100 * f.model.accuracy->value()) : "—",
               f.model.delta_accuracy_pp && !ref
                   ? fmt::format("{:+.2f}", *f.model.delta_accuracy_pp)
                   : "—",
               fmt::format("{:.2f}", double(f.model.size_bytes) / 1e6)});
  }
  out += t.markdown();
  out += "\n## Conclusion\n\n";
  for (const auto& l : r.conclusion) out += "- " + l + "\n";
  out += "\n## Notes\n\n";
  for (const auto& f : r.formats)
    if (f.note) out += fmt::format("- {}: {}\n", f.format, *f.note);
  const PrecisionSettings& s = r.settings;
  out += fmt::format("- Timing: {}; {} runs after {} warm-up runs; LibTorch intra-op threads {}.\n",
                     s.timing, s.runs, s.warmup, s.threads);
  for (const auto& w : r.warnings) out += "- Warning: " + w + "\n";
  return out;
}

}  // namespace kiln
