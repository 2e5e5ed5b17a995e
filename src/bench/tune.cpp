#include "bench/tune.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "bench/bench_config.h"
#include "bench/bench_result.h"
#include "bench/bench_runner.h"
#include "bench/flops.h"
#include "bench/latency_stats.h"
#include "bench/ort_target.h"
#include "common/error.h"
#include "common/table.h"
#include "compare/output_metrics.h"
#include "doctor/onnx_facts.h"

namespace kiln {

namespace {

using nlohmann::json;

std::vector<SessionOptions> candidates(int max_threads, bool dnnl) {
  std::vector<SessionOptions> out;
  out.push_back(SessionOptions{});  // ORT's defaults, the baseline: always index 0
  std::vector<int> threads;
  for (int t = 1; t <= max_threads; t = t < 4 ? t + 1 : t * 2) threads.push_back(t);
  if (threads.back() != max_threads) threads.push_back(max_threads);
  std::vector<ExecutionProvider> providers{ExecutionProvider::Cpu};
  if (dnnl) providers.push_back(ExecutionProvider::Dnnl);
  for (ExecutionProvider p : providers)
    for (GraphOptLevel level : {GraphOptLevel::Disable, GraphOptLevel::Basic,
                                GraphOptLevel::Extended, GraphOptLevel::All})
      for (int t : threads)
        for (bool spin : {true, false}) out.push_back(SessionOptions{t, level, p, spin});
  return out;
}

int fastest(const std::vector<BenchRow>& results, bool throughput) {
  int best = 0;
  double best_v = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const BenchRow& r = results[i];
    double v = throughput ? r.throughput_samples_per_s : -r.latency.p50;
    if (i == 0 || v > best_v) {
      best_v = v;
      best = r.model;
    }
  }
  return best;
}

}  // namespace

json tune_session(const TuneOptions& o) {
  if (o.batch < 1) throw UsageError("--batch must be at least 1");
  if (o.runs < 1 || o.warmup < 0)
    throw UsageError("--runs must be at least 1 and --warmup at least 0");
  int max_threads = o.max_threads > 0
                        ? o.max_threads
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<std::string> providers = onnx_runtime_providers();
  bool dnnl =
      std::find(providers.begin(), providers.end(), "DnnlExecutionProvider") != providers.end();
  auto flops = onnx_flops_per_sample(o.model);

  std::vector<SessionOptions> opts = candidates(max_threads, dnnl);
  std::vector<BenchModel> models;
  std::vector<SessionOptions> loaded;
  json skipped = json::array();
  for (size_t i = 0; i < opts.size(); ++i) {
    try {
      BenchModel m;
      m.name = i == 0 ? "ORT defaults" : describe_session_options(opts[i]);
      m.path = o.model;
      m.flops_per_sample = flops;
      m.target = std::make_unique<OrtTarget>(o.model, opts[i]);
      models.push_back(std::move(m));
      loaded.push_back(opts[i]);
    } catch (const Error& e) {
      if (i == 0) throw;  // the model itself does not load
      skipped.push_back(
          {{"options", session_options_json(opts[i])}, {"error", first_line(e.what())}});
    }
  }
  Shape shape = resolve_input_shape(models, o.input_shape);
  // Only settings that compute what the defaults compute are candidates.
  const auto cases = reference_cases(*models[0].target, shape, o.batch);
  for (size_t i = models.size(); i-- > 1;) {
    std::string why = candidate_disagreement(*models[i].target, cases);
    if (why.empty()) continue;
    skipped.push_back({{"options", session_options_json(loaded[i])}, {"error", why}});
    models.erase(models.begin() + static_cast<std::ptrdiff_t>(i));
    loaded.erase(loaded.begin() + static_cast<std::ptrdiff_t>(i));
  }
  BenchSettings s;
  s.runs = o.runs;
  s.warmup = o.warmup;
  s.batches = {o.batch};
  s.block = std::max(1, std::min(o.block, o.runs));
  BenchMeasurement search = run_bench(models, shape, s, nullptr);

  json report;
  report["model"] = o.model.string();
  report["batch"] = o.batch;
  report["input_shape"] = shape;
  report["runs"] = o.runs;
  report["warmup"] = o.warmup;
  report["flops_per_sample"] = flops ? json(*flops) : json(nullptr);
  report["tried"] = json::array();
  for (const auto& r : search.results) {
    size_t i = static_cast<size_t>(r.model);
    report["tried"].push_back({{"label", models[i].name},
                               {"options", session_options_json(loaded[i])},
                               {"latency", r.latency},
                               {"throughput_samples_per_s", r.throughput_samples_per_s}});
  }
  report["skipped"] = skipped;
  int best_lat = fastest(search.results, false), best_thr = fastest(search.results, true);

  // Confirmation: defaults vs the winners, interleaved in the same blocks.
  std::vector<int> finalists{0};
  for (int w : {best_lat, best_thr})
    if (std::find(finalists.begin(), finalists.end(), w) == finalists.end()) finalists.push_back(w);
  std::vector<BenchModel> again;
  for (int f : finalists) {
    BenchModel m;
    m.name = models[static_cast<size_t>(f)].name;
    m.path = o.model;
    m.flops_per_sample = flops;
    m.target = std::move(models[static_cast<size_t>(f)].target);
    again.push_back(std::move(m));
  }
  std::vector<std::string> names;
  for (const auto& m : models) names.push_back(m.name);
  models.clear();  // release the other sessions before the confirmation runs
  BenchSettings c = s;
  c.runs = 2 * o.runs;
  BenchMeasurement confirm = run_bench(again, shape, c, nullptr);
  auto stats_of = [&](int f) {
    int k = static_cast<int>(std::find(finalists.begin(), finalists.end(), f) - finalists.begin());
    return confirm.row(k, o.batch);
  };
  const BenchRow base = stats_of(0);
  auto speedup_of = [&](int f, bool latency) {
    const BenchRow& r = stats_of(f);
    return latency ? base.latency.p50 / r.latency.p50
                   : r.throughput_samples_per_s / base.throughput_samples_per_s;
  };
  auto winner = [&](int f, bool latency) {
    // A search winner that loses to the defaults when re-measured was noise: keep the defaults.
    json note;
    if (kept_candidate(f, speedup_of(f, latency)) != f) {
      note = fmt::format(
          "the search's winner ({}) ran {:.3f}× the defaults when re-measured; "
          "keeping ORT's defaults",
          names[static_cast<size_t>(f)], speedup_of(f, latency));
      f = 0;
    }
    const BenchRow& r = stats_of(f);
    json j = {{"label", names[static_cast<size_t>(f)]},
              {"options", session_options_json(loaded[static_cast<size_t>(f)])},
              {"description", describe_session_options(loaded[static_cast<size_t>(f)])},
              {"is_default", f == 0},
              {"confirmed_latency", r.latency},
              {"confirmed_throughput_samples_per_s", r.throughput_samples_per_s},
              {"vs_default", speedup_of(f, latency)}};
    if (!note.is_null()) j["note"] = note;
    return j;
  };
  report["best"] = {{"latency", winner(best_lat, true)}, {"throughput", winner(best_thr, false)}};
  report["default"] = {{"options", session_options_json(loaded[0])},
                       {"confirmed_latency", base.latency},
                       {"confirmed_throughput_samples_per_s", base.throughput_samples_per_s}};
  report["warnings"] = confirm.warnings;
  return report;
}

// How far a candidate's output may be from the defaults' (relative L2): session settings change
// the order of float operations, not the function.
constexpr double kCandidateRelL2 = 1e-4;

std::vector<ReferenceCase> reference_cases(BenchTarget& defaults, Shape shape, int64_t batch) {
  std::vector<ReferenceCase> cases;
  for (int64_t b : {batch, batch == 1 ? int64_t{2} : int64_t{1}}) {
    shape[0] = b;
    ReferenceCase c;
    c.batch = b;
    c.input = bench_input(shape, 7);
    c.output = defaults.infer(c.input);
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string candidate_disagreement(BenchTarget& candidate,
                                   const std::vector<ReferenceCase>& cases) {
  for (const ReferenceCase& c : cases) {
    const int64_t b = c.batch;
    HostTensor got;
    try {
      got = candidate.infer(c.input);
    } catch (const Error& e) {
      return fmt::format("fails at batch {}: {}", b, first_line(e.what()));
    }
    OutputMetrics m;
    if (!m.add(c.output, got)) return fmt::format("at batch {}: {}", b, m.shape_problem());
    if (m.nonfinite_candidate() > m.nonfinite_reference())
      return fmt::format("at batch {}: {} non-finite values the defaults do not have", b,
                         m.nonfinite_candidate() - m.nonfinite_reference());
    if (m.relative_l2() > kCandidateRelL2)
      return fmt::format(
          "at batch {}: output differs from the defaults' (relative L2 {:.2e} > {:g})", b,
          m.relative_l2(), kCandidateRelL2);
  }
  return "";
}

int kept_candidate(int winner, double speedup_vs_default) {
  return winner != 0 && speedup_vs_default < 1.0 ? 0 : winner;
}

json tune_config(const json& report) {
  return {{"kiln_bench_config", 1},
          {"model", report.at("model")},
          {"batch", report.at("batch")},
          {"best", report.at("best")},
          {"default", report.at("default")}};
}

std::string tune_report_text(const json& r) {
  Table t;
  t.header = {"#",        "threads",  "opt", "provider", "spinning",
              "p50 (ms)", "p90 (ms)", "CV",  "samples/s"};
  t.right_aligned = {true, true, false, false, false, true, true, true, true};
  std::vector<json> rows(r["tried"].begin(), r["tried"].end());
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    return a["latency"]["p50_ms"].get<double>() < b["latency"]["p50_ms"].get<double>();
  });
  int rank = 0;
  for (const auto& row : rows) {
    const json& op = row["options"];
    int th = op["intra_op_threads"].get<int>();
    t.add_row({std::to_string(++rank), th > 0 ? std::to_string(th) : "default",
               op["optimization"].get<std::string>(), op["provider"].get<std::string>(),
               op["allow_spinning"].get<bool>() ? "on" : "off",
               fmt::format("{:.4g}", row["latency"]["p50_ms"].get<double>()),
               fmt::format("{:.4g}", row["latency"]["p90_ms"].get<double>()),
               fmt::format("{:.1f}%", 100 * row["latency"]["cv"].get<double>()),
               fmt::format("{:.0f}", row["throughput_samples_per_s"].get<double>())});
  }
  std::string out = fmt::format(
      "kiln bench --tune {} at batch {} ({} candidates, {} runs each, interleaved in blocks)\n\n",
      r["model"].get<std::string>(), r["batch"].get<int64_t>(), r["tried"].size(),
      r["runs"].get<int>());
  out += t.text();
  for (const auto& s : r["skipped"])
    out += fmt::format("skipped {}: {}\n",
                       describe_session_options(session_options_from_json(s["options"], "tune")),
                       s["error"].get<std::string>());
  const json& d = r["default"];
  out += fmt::format("\nConfirmed against ORT's defaults, interleaved in blocks ({} runs each):\n",
                     d["confirmed_latency"]["runs"].get<int>());
  out += fmt::format("  ORT defaults:           p50 {:.4g} ms, {:.0f} samples/s\n",
                     d["confirmed_latency"]["p50_ms"].get<double>(),
                     d["confirmed_throughput_samples_per_s"].get<double>());
  for (const char* objective : {"latency", "throughput"}) {
    const json& b = r["best"][objective];
    out += fmt::format(
        "  best for {:<10}     {}{}: p50 {:.4g} ms, {:.0f} samples/s — {:.3f}× the defaults' {}\n",
        objective, b["description"].get<std::string>(),
        b["is_default"].get<bool>() ? " (= the defaults)" : "",
        b["confirmed_latency"]["p50_ms"].get<double>(),
        b["confirmed_throughput_samples_per_s"].get<double>(), b["vs_default"].get<double>(),
        std::string(objective) == "latency" ? "speed (p50)" : "throughput");
    if (b.contains("note")) out += "    (" + b["note"].get<std::string>() + ")\n";
  }
  for (const auto& w : r["warnings"]) out += "warning: " + w.get<std::string>() + "\n";
  return out;
}

}  // namespace kiln
