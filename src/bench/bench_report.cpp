#include "bench/bench_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench/svg_chart.h"

namespace kiln {

namespace {

using nlohmann::json;

std::string num(double v) {
  if (v >= 1000) return fmt::format("{:.0f}", v);
  if (v >= 100) return fmt::format("{:.1f}", v);
  if (v >= 10) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3f}", v);
}

const json& model_of(const json& report, const json& result) {
  return report.at("models").at(result.at("model").get<size_t>());
}

std::string delta_accuracy(const json& m) {
  if (!m.contains("delta_accuracy_pp")) return "—";
  return fmt::format("{:+.2f} pp", m["delta_accuracy_pp"].get<double>());
}

std::string sgemm_share(const json& report, const json& r) {
  if (!r.contains("gflops_p50") || !report.contains("sgemm") || !report["sgemm"].contains("gflops"))
    return "—";
  return fmt::format("{:.0f}%", 100 * r["gflops_p50"].get<double>() / report["sgemm"]["gflops"].get<double>());
}

std::string str(const json& j, const char* key, const std::string& fallback = "?") {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const json& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string settings_lines(const json& r) {
  if (!r.contains("settings")) return "";
  const json& s = r["settings"];
  std::string out = fmt::format(
      "Same run, {}: {} timed runs per model and batch after {} warm-ups; steady clock per run.\n",
      str(s, "schedule"), str(s, "runs"), str(s, "warmup"));
  if (s.contains("ort")) {
    const json& o = s["ort"];
    out += fmt::format(
        "ONNX Runtime: provider {}, graph optimization {}, intra-op threads {}, spinning {}.\n",
        str(o, "provider"), str(o, "optimization"), str(o, "intra_op_threads"),
        o.value("allow_spinning", true) ? "on" : "off");
  }
  if (s.contains("libtorch")) {
    const json& t = s["libtorch"];
    out += fmt::format("LibTorch: {} intra-op threads, {}.\n", str(t, "intra_op_threads"),
                       str(t, "mode"));
  }
  if (s.contains("input")) out += fmt::format("Input: {}.\n", str(s, "input"));
  return out;
}

std::string machine_lines(const json& r, bool md) {
  if (!r.contains("machine")) return "";
  const json& m = r["machine"];
  std::string b = md ? "- " : "  ";
  std::string out;
  if (m.contains("cpu")) {
    const json& c = m["cpu"];
    std::vector<std::string> feats;
    if (c.contains("features") && c["features"].is_object())
      for (const auto& [k, v] : c["features"].items())
        if (v.is_boolean() && v.get<bool>()) feats.push_back(k);
    out += fmt::format("{}CPU: {}, {} cores, {} logical CPUs; {}\n", b, str(c, "model"),
                       str(c, "cores"), str(c, "logical_cpus"), fmt::join(feats, " "));
  }
  if (m.contains("loadavg_before"))
    out += fmt::format("{}load average (1/5/15 min): before {}, after {}\n", b,
                       str(m, "loadavg_before"), str(m, "loadavg_after"));
  if (m.contains("thread_environment")) {
    std::vector<std::string> env;
    for (const auto& [k, v] : m["thread_environment"].items())
      env.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.is_null() ? "(unset)" : v.dump()));
    out += fmt::format("{}thread environment: {}\n", b, fmt::join(env, ", "));
  }
  if (m.contains("blas"))
    out += fmt::format("{}BLAS: {} {}\n", b, str(m["blas"], "implementation"),
                       str(m["blas"], "openblas_config", ""));
  if (m.contains("onnxruntime"))
    out += fmt::format("{}ONNX Runtime {}; providers {}\n", b, str(m["onnxruntime"], "version"),
                       str(m["onnxruntime"], "providers"));
  if (m.contains("libtorch"))
    out += fmt::format("{}LibTorch {}; parallel backend {}\n", b, str(m["libtorch"], "version"),
                       str(m["libtorch"], "parallel_backend"));
  if (r.contains("sgemm")) {
    const json& g = r["sgemm"];
    out += fmt::format("{}fp32 sgemm, measured in this run ({}): {} GFLOP/s best, {} median\n", b,
                       str(g, "how"), num(g.value("gflops", 0.0)), num(g.value("gflops_median", 0.0)));
  }
  return out;
}

std::string list(const json& r, const char* key, bool md) {
  std::string out;
  if (!r.contains(key)) return out;
  for (const auto& w : r[key]) out += (md ? "- " : "  ") + w.get<std::string>() + "\n";
  return out;
}

}  // namespace

Table seminar_table(const json& report) {
  Table t;
  t.header = {"Model", "Batch", "Size (MB)", "Latency (ms)", "Throughput (req/s)", "Δ Accuracy"};
  t.right_aligned = {false, true, true, true, true, true};
  for (const auto& r : report.at("results")) {
    const json& m = model_of(report, r);
    t.add_row({m.at("name").get<std::string>(), std::to_string(r.at("batch").get<int64_t>()),
               fmt::format("{:.2f}", m.at("size_bytes").get<double>() / 1e6),
               num(r.at("latency").at("p50_ms").get<double>()),
               num(r.at("throughput_samples_per_s").get<double>()), delta_accuracy(m)});
  }
  return t;
}

Table statistics_table(const json& report) {
  Table t;
  t.header = {"Model", "Engine", "Batch", "p50",   "p90",     "p99",       "mean",    "min",
              "max",   "std",    "CV",    "calls/s", "samples/s", "GFLOP/s", "% sgemm"};
  t.right_aligned = {false, false, true, true, true, true, true, true,
                     true,  true,  true, true, true, true, true};
  for (const auto& r : report.at("results")) {
    const json& m = model_of(report, r);
    const json& l = r.at("latency");
    auto ms = [&](const char* k) { return num(l.at(k).get<double>()); };
    t.add_row({m.at("name").get<std::string>(), m.at("engine").get<std::string>(),
               std::to_string(r.at("batch").get<int64_t>()), ms("p50_ms"), ms("p90_ms"),
               ms("p99_ms"), ms("mean_ms"), ms("min_ms"), ms("max_ms"), ms("std_ms"),
               fmt::format("{:.1f}%", 100 * l.at("cv").get<double>()),
               num(r.at("throughput_calls_per_s").get<double>()),
               num(r.at("throughput_samples_per_s").get<double>()),
               r.contains("gflops_p50") ? num(r["gflops_p50"].get<double>()) : "—",
               sgemm_share(report, r)});
  }
  return t;
}

namespace {

Table accuracy_table(const json& report) {
  Table t;
  t.header = {"Model", "Samples", "Top-1", "Δ vs first"};
  t.right_aligned = {false, true, true, true};
  for (const auto& m : report.at("models")) {
    if (!m.contains("accuracy")) continue;
    t.add_row({m["name"].get<std::string>(), std::to_string(m["accuracy"]["samples"].get<int64_t>()),
               fmt::format("{:.2f}%", 100 * m["accuracy"]["top1"].get<double>()), delta_accuracy(m)});
  }
  return t;
}

std::string render(const json& r, bool md, const std::string& chart) {
  std::string h2 = md ? "## " : "";
  std::string out = md ? "# kiln bench\n\n" : "kiln bench\n\n";
  out += settings_lines(r);
  auto table = [&](const Table& t) { return md ? t.markdown() : t.text(); };
  out += "\n" + h2 + "Results (latency: p50 ms; throughput: samples/s from the mean)\n\n";
  out += table(seminar_table(r));
  out += "\n" + h2 + "Full statistics (ms)\n\n" + table(statistics_table(r));
  Table acc = accuracy_table(r);
  if (!acc.rows.empty()) {
    std::string ds = r.contains("settings") ? str(r["settings"], "dataset", "") : "";
    out += "\n" + h2 + "Accuracy" + (ds.empty() ? "" : " (" + ds + " test split)") + "\n\n" + table(acc);
  }
  if (!chart.empty()) out += "\n" + h2 + "Chart\n\n" + chart + "\n";
  std::string warnings = list(r, "warnings", md);
  out += "\n" + h2 + "Noise\n\n" +
         (warnings.empty() ? std::string(md ? "" : "  ") +
                                 "No warnings: every ranking above is larger than the run-to-run "
                                 "spread (CV).\n"
                           : warnings);
  std::string notes = list(r, "notes", md);
  if (!notes.empty()) out += "\n" + h2 + "Notes\n\n" + notes;
  std::string machine = machine_lines(r, md);
  if (!machine.empty()) out += "\n" + h2 + "Machine\n\n" + machine;
  return out;
}

}  // namespace

std::string bench_markdown(const json& report, const std::string& chart) {
  return render(report, true, chart);
}

std::string bench_text(const json& report) {
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

std::string bench_csv(const json& report) {
  std::string out =
      "model,engine,batch,size_bytes,p50_ms,p90_ms,p99_ms,mean_ms,min_ms,max_ms,std_ms,cv,"
      "calls_per_s,samples_per_s,gflops_p50,top1,delta_accuracy_pp\n";
  auto g = [](double v) { return fmt::format("{:.6g}", v); };
  for (const auto& r : report.at("results")) {
    const json& m = model_of(report, r);
    const json& l = r.at("latency");
    std::vector<std::string> f = {
        csv_field(m.at("name").get<std::string>()), m.at("engine").get<std::string>(),
        std::to_string(r.at("batch").get<int64_t>()), std::to_string(m.at("size_bytes").get<uint64_t>())};
    for (const char* k : {"p50_ms", "p90_ms", "p99_ms", "mean_ms", "min_ms", "max_ms", "std_ms", "cv"})
      f.push_back(g(l.at(k).get<double>()));
    f.push_back(g(r.at("throughput_calls_per_s").get<double>()));
    f.push_back(g(r.at("throughput_samples_per_s").get<double>()));
    f.push_back(r.contains("gflops_p50") ? g(r["gflops_p50"].get<double>()) : "");
    f.push_back(m.contains("accuracy") ? g(m["accuracy"]["top1"].get<double>()) : "");
    f.push_back(m.contains("delta_accuracy_pp") ? g(m["delta_accuracy_pp"].get<double>()) : "");
    out += fmt::format("{}\n", fmt::join(f, ","));
  }
  return out;
}

std::string bench_html(const json& report) {
  // Markdown tables read well in <pre>; the chart is inline SVG.
  std::string body = xml_escape(render(report, false, ""));
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kiln bench</title></head>\n"
         "<body>\n" +
         bench_chart_svg(report) + "<pre>\n" + body + "</pre>\n</body></html>\n";
}

}  // namespace kiln
