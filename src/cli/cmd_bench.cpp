#include <cstdio>

#include <fmt/format.h>

#include "bench/bench_command.h"
#include "bench/bench_config.h"
#include "bench/bench_report.h"
#include "bench/svg_chart.h"
#include "bench/tune.h"
#include "cli/commands.h"
#include "cli/option_errors.h"
#include "common/atomic_file.h"
#include "common/error.h"

namespace fs = std::filesystem;

namespace kiln::cli {

namespace {

struct BenchCli {
  BenchOptions o;
  std::vector<std::string> models;
  std::string format, out, chart, config, batch_given;
  std::vector<std::string> specs;  // --input, parsed into o.inputs
  bool tune = false;
};

// --format, else the extension of --out, else Markdown.
std::string pick_format(const BenchCli& c) {
  std::string f = c.format;
  if (f.empty() && !c.out.empty()) {
    std::string ext = fs::path(c.out).extension().string();
    if (ext == ".csv")
      f = "csv";
    else if (ext == ".json")
      f = "json";
    else if (ext == ".html" || ext == ".htm")
      f = "html";
    else if (ext == ".txt")
      f = "text";
  }
  if (f.empty()) f = "md";
  if (f != "md" && f != "csv" && f != "json" && f != "text" && f != "html")
    throw UsageError(fmt::format("unknown --format '{}' (md, csv, json, text, html)", f));
  return f;
}

void emit(const std::string& out, const std::string& text) {
  if (out.empty())
    std::fputs(text.c_str(), stdout);
  else
    write_file_atomic(out, text);
}

int run_tune(BenchCli& c) {
  if (c.o.models.size() != 1) throw UsageError("--tune takes exactly one .onnx model");
  if (c.o.config) throw UsageError("--tune searches the settings; it does not read --config");
  TuneOptions t;
  t.model = c.o.models[0];
  std::error_code ec;
  if (!fs::exists(t.model, ec)) throw Error(fmt::format("{}: no such file", t.model.string()));
  auto batches = parse_int_list(c.batch_given.empty() ? "1" : c.batch_given, "--batch");
  if (batches.size() != 1) throw UsageError("--tune takes one batch size (--batch B)");
  t.batch = batches[0];
  t.runs = c.o.runs;
  t.warmup = c.o.warmup;
  t.input_shape = c.o.input_shape;
  if (c.o.threads > 0) t.max_threads = c.o.threads;
  std::fprintf(stderr, "bench: tuning %s at batch %lld\n", t.model.string().c_str(),
               static_cast<long long>(t.batch));
  auto report = tune_session(t);
  std::string best = c.out.empty() ? "best.json" : c.out;
  write_file_atomic(best, tune_config(report).dump(2) + "\n");
  if (c.format == "json")
    std::fputs((report.dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(tune_report_text(report).c_str(), stdout);
  std::fprintf(stderr,
               "bench: wrote %s (use: kiln bench MODEL --config %s [--objective throughput])\n",
               best.c_str(), best.c_str());
  return 0;
}

int run_bench_cli(BenchCli& c) {
  std::string format = pick_format(c);
  BenchResult report = bench_models(c.o);
  std::string chart_path = c.chart;
  if (chart_path.empty() && !c.out.empty() && format == "md")
    chart_path = fs::path(c.out).replace_extension(".svg").string();
  std::string svg = bench_chart_svg(report.measurement());
  if (!chart_path.empty()) write_file_atomic(chart_path, svg);
  std::string text;
  if (format == "json") {
    text = record_text(report);
  } else if (format == "csv") {
    text = bench_csv(report);
  } else if (format == "text") {
    text = bench_text(report);
  } else if (format == "html") {
    text = bench_html(report);
  } else {
    std::string link;
    if (!chart_path.empty()) {
      // Relative to the Markdown file when both are in the same folder.
      fs::path rel = c.out.empty() ? fs::path(chart_path)
                                   : fs::path(chart_path)
                                         .lexically_relative(fs::path(c.out).parent_path().empty()
                                                                 ? fs::path(".")
                                                                 : fs::path(c.out).parent_path());
      if (rel.empty()) rel = chart_path;
      link = fmt::format("![p50 latency and throughput per model and batch]({})", rel.string());
    }
    text = bench_markdown(report, link);
  }
  emit(c.out, text);
  if (!c.out.empty())
    std::fprintf(stderr, "bench: wrote %s%s\n", c.out.c_str(),
                 chart_path.empty() ? "" : (" and " + chart_path).c_str());
  return 0;
}

}  // namespace

void add_bench(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "bench",
      "Latency, throughput and accuracy of models (.onnx, .pt), interleaved, in one table");
  auto c = std::make_shared<BenchCli>();
  cmd->add_option("models", c->models,
                  "Models to compare (.onnx with ONNX Runtime, .pt with LibTorch); the first is "
                  "the reference")
      ->required();
  cmd->add_option("--runs", c->o.runs, "Timed runs per model and batch")->capture_default_str();
  cmd->add_option("--warmup", c->o.warmup, "Untimed runs first")->capture_default_str();
  cmd->add_option("--block", c->o.block,
                  "Timed runs of one model before switching to the next (1: A, B, A, B …)")
      ->capture_default_str();
  cmd->add_option("--settle-ms", c->o.settle_ms,
                  "Pause at each switch to the next model while the previous ONNX Runtime "
                  "session's threads still spin (0: none; docs/bench.md)")
      ->capture_default_str();
  cmd->add_option("--batch", c->batch_given,
                  "Batch sizes, comma-separated (default 1,64; --tune: one, default 1)");
  field_flag(cmd, "batches", "--batch");
  cmd->add_option("--threads", c->o.threads,
                  "Intra-op threads for ONNX Runtime and LibTorch (0: their defaults)")
      ->capture_default_str();
  auto* opt = cmd->add_option("--ort-opt", c->o.ort_opt,
                              "ONNX Runtime graph optimization: disable, basic, extended, all")
                  ->capture_default_str();
  auto* prov =
      cmd->add_option("--provider", c->o.provider, "ONNX Runtime execution provider: cpu, dnnl")
          ->capture_default_str();
  cmd->add_option("--config", c->config, "Session settings from kiln bench --tune (best.json)")
      ->excludes(opt)
      ->excludes(prov);
  cmd->add_option("--objective", c->o.objective,
                  "Which configuration of --config: latency or throughput")
      ->capture_default_str();
  cmd->add_option("--dataset", c->o.dataset,
                  "Accuracy on this test split: mnist, fashion-mnist or none")
      ->capture_default_str();
  cmd->add_option("--accuracy-samples", c->o.accuracy_samples, "Test samples for accuracy (0: all)")
      ->capture_default_str();
  cmd->add_option("--input-shape", c->o.input_shape,
                  "Input shape when no model is ONNX (e.g. 1x1x28x28)");
  cmd->add_option("--input", c->specs,
                  "An input as NAME:DTYPE:DIMS (as kiln export takes it), once per input; --batch "
                  "replaces the dims named batch (else the first input's dim 0 when dynamic)");
  cmd->add_option("--seed", c->o.seed, "Seed of the random inputs")->capture_default_str();
  cmd->add_option("--format", c->format,
                  "md, csv, json, text or html (default: from --out's extension, else md)");
  cmd->add_option("--out", c->out,
                  "Write the report here (--tune: the configuration, default best.json)");
  cmd->add_option("--chart", c->chart,
                  "Write the SVG chart here (default with --out FILE.md: FILE.svg)");
  cmd->add_flag(
      "--tune", c->tune,
      "Search ONNX Runtime session settings for one model at one batch; writes best.json");
  cmd->add_flag(
      "--no-sgemm", [c](int64_t) { c->o.sgemm = false; }, "Skip the sgemm rate measurement");
  cmd->callback([&run, c] {
    run = [c] {
      for (const auto& m : c->models) c->o.models.emplace_back(m);
      c->o.inputs = parse_input_flags(c->specs);
      if (!c->config.empty()) c->o.config = fs::path(c->config);
      if (c->tune) return run_tune(*c);
      if (!c->batch_given.empty()) c->o.batches = c->batch_given;
      return run_bench_cli(*c);
    };
  });
}

}  // namespace kiln::cli
