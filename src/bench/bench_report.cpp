#include "bench/bench_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench/svg_chart.h"
#include "doctor/machine_facts.h"

namespace kiln {

namespace {

std::string num(double v) {
  if (v >= 1000) return fmt::format("{:.0f}", v);
  if (v >= 100) return fmt::format("{:.1f}", v);
  if (v >= 10) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3f}", v);
}

std::string delta_accuracy(const BenchModelRecord& m) {
  if (!m.delta_accuracy_pp) return "—";
  return fmt::format("{:+.2f} pp", *m.delta_accuracy_pp);
}

std::string sgemm_share(const BenchResult& report, const BenchRow& r) {
  if (!r.gflops_p50 || !report.sgemm || !(report.sgemm->gflops > 0)) return "—";
  return fmt::format("{:.0f}%", 100 * *r.gflops_p50 / report.sgemm->gflops);
}

std::string settings_lines(const BenchResult& r) {
  const BenchSettingsRecord& s = r.settings;
  std::string out = fmt::format(
      "Same run, {}: {} timed runs per model and batch after {} warm-ups; steady clock per run.\n",
      s.schedule, s.runs, s.warmup);
  if (s.ort) {
    out += fmt::format(
        "ONNX Runtime: provider {}, graph optimization {}, intra-op threads {}, spinning {}.\n",
        s.ort->provider, s.ort->optimization, s.ort->intra_op_threads,
        s.ort->allow_spinning ? "on" : "off");
  }
  if (s.libtorch)
    out += fmt::format("LibTorch: {} intra-op threads, {}.\n", s.libtorch->intra_op_threads,
                       s.libtorch->mode);
  if (!s.input.empty()) out += fmt::format("Input: {}.\n", s.input);
  return out;
}

std::string machine_lines(const BenchResult& r, bool md) {
  std::string out = machine_facts_lines(r.machine, md ? "- " : "  ");
  if (r.sgemm) {
    out += fmt::format(
        "{}fp32 sgemm, measured in this run after the models ({}): {} GFLOP/s best, {} median\n",
        md ? "- " : "  ", r.sgemm->how, num(r.sgemm->gflops), num(r.sgemm->gflops_median));
  }
  return out;
}

std::string list(const std::vector<std::string>& items, bool md) {
  std::string out;
  for (const auto& w : items) out += (md ? "- " : "  ") + w + "\n";
  return out;
}

}  // namespace

Table seminar_table(const BenchMeasurement& report) {
  Table t;
  t.header = {"Model", "Batch", "Size (MB)", "Latency (ms)", "Throughput (req/s)", "Δ Accuracy"};
  t.right_aligned = {false, true, true, true, true, true};
  for (const auto& r : report.results) {
    const BenchModelRecord& m = report.model_of(r);
    t.add_row({m.name, std::to_string(r.batch),
               fmt::format("{:.2f}", static_cast<double>(m.size_bytes) / 1e6), num(r.latency.p50),
               num(r.throughput_samples_per_s), delta_accuracy(m)});
  }
  return t;
}

Table statistics_table(const BenchResult& report) {
  Table t;
  t.header = {"Model", "Engine", "Batch", "p50",     "p90",       "p99",     "mean",   "min",
              "max",   "std",    "CV",    "calls/s", "samples/s", "GFLOP/s", "% sgemm"};
  t.right_aligned = {false, false, true, true, true, true, true, true,
                     true,  true,  true, true, true, true, true};
  BenchMeasurement m = report.measurement();
  for (const auto& r : report.results) {
    const BenchModelRecord& model = m.model_of(r);
    const LatencyStats& l = r.latency;
    t.add_row({model.name, model.engine, std::to_string(r.batch), num(l.p50), num(l.p90),
               num(l.p99), num(l.mean), num(l.min), num(l.max), num(l.stddev),
               fmt::format("{:.1f}%", 100 * l.cv), num(r.throughput_calls_per_s),
               num(r.throughput_samples_per_s), r.gflops_p50 ? num(*r.gflops_p50) : "—",
               sgemm_share(report, r)});
  }
  return t;
}

namespace {

Table accuracy_table(const BenchResult& report) {
  Table t;
  t.header = {"Model", "Samples", "Top-1", "Δ vs first"};
  t.right_aligned = {false, true, true, true};
  for (const auto& m : report.models) {
    if (!m.accuracy) continue;
    t.add_row({m.name, std::to_string(m.accuracy->samples),
               fmt::format("{:.2f}%", 100 * m.accuracy->value()), delta_accuracy(m)});
  }
  return t;
}

std::string render(const BenchResult& r, bool md, const std::string& chart) {
  std::string h2 = md ? "## " : "";
  std::string out = md ? "# kiln bench\n\n" : "kiln bench\n\n";
  out += settings_lines(r);
  auto table = [&](const Table& t) { return md ? t.markdown() : t.text(); };
  out += "\n" + h2 + "Results (latency: p50 ms; throughput: samples/s from the mean)\n\n";
  out += table(seminar_table(r.measurement()));
  out += "\n" + h2 + "Full statistics (ms)\n\n" + table(statistics_table(r));
  Table acc = accuracy_table(r);
  if (!acc.rows.empty()) {
    std::string ds = r.settings.dataset == "none" ? "" : r.settings.dataset;
    out += "\n" + h2 + "Accuracy" + (ds.empty() ? "" : " (" + ds + " test split)") + "\n\n" +
           table(acc);
  }
  if (!chart.empty()) out += "\n" + h2 + "Chart\n\n" + chart + "\n";
  std::string warnings = list(r.warnings, md);
  out += "\n" + h2 + "Noise\n\n" +
         (warnings.empty() ? std::string(md ? "" : "  ") +
                                 "No warnings: every ranking above is larger than the run-to-run "
                                 "spread (CV).\n"
                           : warnings);
  std::string notes = list(r.notes, md);
  if (!notes.empty()) out += "\n" + h2 + "Notes\n\n" + notes;
  std::string machine = machine_lines(r, md);
  if (!machine.empty()) out += "\n" + h2 + "Machine\n\n" + machine;
  return out;
}

}  // namespace

std::string bench_markdown(const BenchResult& report, const std::string& chart) {
  return render(report, true, chart);
}

std::string bench_text(const BenchResult& report) {
  return render(report, false, "");
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string bench_csv(const BenchResult& report) {
  std::string out =
      "model,engine,batch,size_bytes,p50_ms,p90_ms,p99_ms,mean_ms,min_ms,max_ms,std_ms,cv,"
      "calls_per_s,samples_per_s,gflops_p50,top1,delta_accuracy_pp\n";
  auto g = [](double v) { return fmt::format("{:.6g}", v); };
  BenchMeasurement measured = report.measurement();
  for (const auto& r : report.results) {
    const BenchModelRecord& m = measured.model_of(r);
    const LatencyStats& l = r.latency;
    std::vector<std::string> f = {csv_field(m.name), m.engine, std::to_string(r.batch),
                                  std::to_string(m.size_bytes)};
    for (double v : {l.p50, l.p90, l.p99, l.mean, l.min, l.max, l.stddev, l.cv}) f.push_back(g(v));
    f.push_back(g(r.throughput_calls_per_s));
    f.push_back(g(r.throughput_samples_per_s));
    f.push_back(r.gflops_p50 ? g(*r.gflops_p50) : "");
    f.push_back(m.accuracy ? g(m.accuracy->value()) : "");
    f.push_back(m.delta_accuracy_pp ? g(*m.delta_accuracy_pp) : "");
    out += fmt::format("{}\n", fmt::join(f, ","));
  }
  return out;
}

std::string bench_html(const BenchResult& report) {
  // Markdown tables read well in <pre>; the chart is inline SVG.
  std::string body = xml_escape(render(report, false, ""));
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kiln bench</title></head>\n"
         "<body>\n" +
         bench_chart_svg(report.measurement()) + "<pre>\n" + body + "</pre>\n</body></html>\n";
}

}  // namespace kiln
