#include "bench/bench_command.h"

#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "bench/bench_config.h"
#include "bench/bench_runner.h"
#include "bench/flops.h"
#include "bench/ort_target.h"
#include "bench/sgemm.h"
#include "bench/torch_target.h"
#include "common/error.h"
#include "common/shape.h"
#include "common/thread_limit.h"
#include "data/dataset.h"
#include "doctor/machine_facts.h"
#include "doctor/onnx_facts.h"
#include "doctor/torch_facts.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

using nlohmann::json;

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "unknown";
  return a + " " + b + " " + c;
}

bool is_torchscript(const fs::path& path) {
  char head[2] = {0, 0};
  std::ifstream(path, std::ios::binary).read(head, 2);
  return head[0] == 'P' && head[1] == 'K';  // TorchScript archives are zip files
}

void check_model_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(fmt::format("{}: no such file", path.string()));
  if (fs::is_directory(path, ec))
    throw Error(fmt::format("{}: is a directory, expected a model file", path.string()));
}

// What the report says about ONNX Runtime's own optimizations and the ratios to the first model.
std::vector<std::string> notes_for(const SessionOptions& ort, const BenchResult& report) {
  std::vector<std::string> notes;
  int onnx_models = 0;
  for (const auto& m : report.models) onnx_models += m.engine == "onnxruntime";
  if (onnx_models >= 2 && ort.optimization != GraphOptLevel::Disable) {
    notes.push_back(fmt::format(
        "ONNX Runtime's graph optimizations were on (level {}): when it loads a model it folds "
        "BatchNormalization into Conv, fuses Conv/Gemm with ReLU and picks its NCHWc kernels, so "
        "an offline-optimized file and the original run the same graph and should time the same. "
        "--ort-opt disable shows what kiln's offline passes buy on their own.",
        to_string(ort.optimization)));
  } else if (onnx_models >= 1 && ort.optimization == GraphOptLevel::Disable) {
    notes.push_back(
        "ONNX Runtime's graph optimizations were disabled: differences between ONNX files are "
        "the offline passes' alone (not deployment figures; ORT enables them by default).");
  }
  const auto& results = report.results;
  for (const auto& r : results) {
    if (r.model == 0) continue;
    for (const auto& base : results) {
      if (base.model != 0 || base.batch != r.batch) continue;
      double ratio = base.latency.p50 / r.latency.p50;
      notes.push_back(fmt::format("batch {}: {} runs {:.3f}× the speed of {} (p50 ratio, same run)",
                                  r.batch, report.models.at(static_cast<size_t>(r.model)).name,
                                  ratio, report.models.at(0).name));
    }
  }
  if (report.sgemm) {
    double peak = report.sgemm->gflops;
    for (const auto& r : results) {
      if (!r.gflops_p50) continue;
      notes.push_back(
          fmt::format("batch {}: {} reaches {:.0f} GFLOP/s at p50, {:.0f}% of the sgemm rate "
                      "measured in this run",
                      r.batch, report.models.at(static_cast<size_t>(r.model)).name, *r.gflops_p50,
                      100 * *r.gflops_p50 / peak));
    }
  }
  return notes;
}

}  // namespace

void BenchOptions::validate() const {
  if (models.empty())
    throw OptionError("models", "are missing: give at least one model (.onnx or .pt)");
  if (runs < 1) throw OptionError("runs", "must be at least 1");
  if (warmup < 0) throw OptionError("warmup", "must be at least 0");
  if (block < 1) throw OptionError("block", "must be at least 1");
  if (settle_ms < 0) throw OptionError("settle_ms", "must be at least 0");
  check_thread_option(threads, "threads", "the engine's default");
  std::vector<int64_t> sizes;
  try {
    sizes = parse_int_list(batches, "batches");
  } catch (const UsageError& e) {
    // "invalid batches '1,x': 'x' is not a positive integer" → the part after the list.
    std::string why = e.what();
    size_t at = why.find("': ");
    throw OptionError("batches", fmt::format("'{}': {}", batches,
                                             at == std::string::npos ? why : why.substr(at + 3)));
  }
  if (sizes.empty()) throw OptionError("batches", "need at least one batch size");
}

BenchResult bench_models(const BenchOptions& o) {
  o.validate();
  std::vector<int64_t> batches = parse_int_list(o.batches, "batches");
  SessionOptions ort;
  if (o.config) {
    ort = read_bench_config(*o.config, o.objective);
  } else {
    ort.optimization = parse_graph_opt_level(o.ort_opt);
    ort.provider = parse_execution_provider(o.provider);
    ort.intra_op_threads = o.threads;
  }
  if (o.dataset != "none") check_dataset_name(o.dataset);
  if (!o.input_shape.empty()) parse_shape(o.input_shape);
  if (!o.inputs.empty()) {
    if (!o.input_shape.empty()) throw UsageError("--input and --input-shape: give one of them");
    if (o.dataset != "none")
      throw UsageError("--dataset needs a single image input, not --input specs");
    try {
      validate_input_specs(o.inputs);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    // Static specs: the one batch they have, named as such (the pipeline on a fixed-batch model).
    const auto& first = o.inputs[0].dims;
    const bool static_batch_named = !first.empty() && parse_int_list(o.batches, "batches") == std::vector<int64_t>{first[0].size};
    if (batch_symbol(o.inputs).empty() && !static_batch_named)
      throw UsageError("--input: --batch varies the dims named 'batch', or the first input's dim 0 when it is dynamic; these "
                       "specs have neither (e.g. tokens:int64:batch=1xseq=16)");
  }
  for (const auto& p : o.models) check_model_file(p);
  auto say = [&](const std::string& what) {
    if (o.progress) std::fprintf(stderr, "bench: %s\n", what.c_str());
  };

  BenchResult report;
  std::string load_before = loadavg();
  set_torch_threads(o.threads);
  std::optional<Dataset> test;
  if (o.dataset != "none") {
    auto loc = locate_dataset(o.dataset);
    if (!loc.dir)
      throw Error(fmt::format("dataset '{}' not found: {} (or pass --dataset none)", o.dataset,
                              loc.how_to_get));
    test = load_dataset_from(*loc.dir, o.dataset, Split::kTest);
  }

  std::vector<BenchModel> models;
  bool any_torch = false, any_ort = false;
  for (const auto& p : o.models) {
    BenchModel m;
    m.name = p.filename().string();
    m.path = p;
    m.size_bytes = fs::file_size(p);
    if (is_torchscript(p)) {
      m.target = std::make_unique<TorchTarget>(p);
      any_torch = true;
    } else {
      m.target = std::make_unique<OrtTarget>(p, ort);
      m.flops_per_sample = onnx_flops_per_sample(p);
      any_ort = true;
    }
    models.push_back(std::move(m));
  }
  // Same file twice (e.g. A vs A as a noise check): names must still tell the rows apart.
  for (size_t i = 0; i < models.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (models[i].name == models[j].name) models[i].name += fmt::format(" (#{})", i + 1);
  Shape shape = o.inputs.empty() ? resolve_input_shape(models, o.input_shape) : Shape{};
  say(fmt::format("{} model(s), batches {}, {} runs after {} warm-ups, interleaved", models.size(),
                  o.batches, o.runs, o.warmup));

  BenchSettings s;
  s.runs = o.runs;
  s.warmup = o.warmup;
  s.batches = batches;
  s.seed = o.seed;
  s.accuracy_samples = o.accuracy_samples;
  s.progress = say;
  s.inputs = o.inputs;
  // Blocks of runs per model, and a settle pause at each switch (BenchSettings::settle_ms): after
  // a run, a session's intra-op threads keep spinning for ~20–25 ms and take the cores from the
  // next model's runs (docs/bench.md "Why interleaved").
  s.block = o.block;
  s.settle_ms = o.settle_ms;
  BenchMeasurement measured = run_bench(models, shape, s, test ? &*test : nullptr);
  report.models = std::move(measured.models);
  report.results = std::move(measured.results);
  report.warnings = std::move(measured.warnings);
  // After the models, never right before them: an sgemm run heats the cores and fills the caches
  // with its matrices, and the first model timed after it read 0.154 ms at batch 1 where every
  // other run of the same file read 0.115–0.121 ms.
  if (o.sgemm) {
    say("measuring the fp32 sgemm rate (LibTorch at::mm 2048³)");
    report.sgemm = measure_sgemm();
  }

  BenchSettingsRecord& settings = report.settings;
  settings.runs = o.runs;
  settings.warmup = o.warmup;
  settings.batches = batches;
  settings.schedule = s.block > 1
                          ? fmt::format("interleaved in blocks of {} runs (A×{}, B×{}, A×{} …)",
                                        s.block, s.block, s.block, s.block)
                          : std::string("interleaved (A, B, A, B …)");
  if (s.settle_ms > 0)
    settings.schedule += fmt::format(
        "; at each switch a {} ms pause when the previous model's ONNX Runtime threads spin, then "
        "{:g} ms of untimed runs (at least 1)",
        s.settle_ms, s.rewarm_ms);
  if (o.inputs.empty()) {
    settings.input_shape = shape;
    settings.input = fmt::format("random normal float32 {} with the batch replaced (seed {})",
                                 format_shape(shape), o.seed);
  } else {
    settings.inputs = o.inputs;
    std::string specs;
    for (const auto& i : o.inputs) specs += (specs.empty() ? "" : ", ") + format_input_spec(i);
    settings.input = fmt::format(
        "random per --input spec ({}), dims named batch replaced (seed {})", specs, o.seed);
  }
  settings.dataset = o.dataset;
  if (any_ort) {
    OrtSettingsRecord r;
    r.provider = to_string(ort.provider);
    r.optimization = to_string(ort.optimization);
    r.intra_op_threads = ort.intra_op_threads == 0
                             ? "default (one per core as ONNX Runtime counts them)"
                             : std::to_string(ort.intra_op_threads);
    r.allow_spinning = ort.allow_spinning;
    if (o.config) r.from_config = o.config->string() + " (" + o.objective + ")";
    settings.ort = r;
  }
  if (any_torch)
    settings.libtorch =
        TorchSettingsRecord{torch_threads(), "TorchScript forward under InferenceMode"};
  report.machine = {{"cpu", cpu_facts()},        {"thread_environment", thread_env_facts()},
                    {"blas", blas_facts()},      {"onnxruntime", onnx_runtime_facts()},
                    {"libtorch", torch_facts()}, {"loadavg_before", load_before},
                    {"loadavg_after", loadavg()}};
  report.notes = notes_for(ort, report);
  return report;
}

}  // namespace kiln
