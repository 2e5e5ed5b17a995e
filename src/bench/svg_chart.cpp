#include "bench/svg_chart.h"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

namespace kiln {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

constexpr const char* kColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                   "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};

std::string short_number(double v) {
  if (v >= 1000) return fmt::format("{:.0f}", v);
  if (v >= 10) return fmt::format("{:.1f}", v);
  if (v >= 1) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3f}", v);
}

}  // namespace

std::string bench_chart_svg(const BenchMeasurement& report) {
  const auto& models = report.models;
  std::vector<int64_t> batches;
  // value[metric][batch][model]
  std::map<int64_t, std::map<int, std::pair<double, double>>> values;
  for (const auto& r : report.results) {
    int64_t b = r.batch;
    if (std::find(batches.begin(), batches.end(), b) == batches.end()) batches.push_back(b);
    values[b][r.model] = {r.latency.p50, r.throughput_samples_per_s};
  }
  const int n_models = static_cast<int>(models.size());
  const int label_w = 170, bar_w = 220, panel_gap = 30, bar_h = 18, bar_gap = 6, title_h = 40;
  const int panel_w = label_w + bar_w + 70;
  const int panel_h = title_h + n_models * (bar_h + bar_gap) + 10;
  const int cols = static_cast<int>(batches.size());
  const int width = std::max(1, cols) * (panel_w + panel_gap) + panel_gap;
  const int legend_h = 30;
  const int height = 2 * (panel_h + panel_gap) + legend_h + panel_gap;

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<title>kiln bench: p50 latency and throughput per model and batch</title>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height, width, height);
  const char* metrics[2] = {"p50 latency (ms, lower is better)",
                            "throughput (samples/s, higher is better)"};
  for (int metric = 0; metric < 2; ++metric) {
    for (int c = 0; c < cols; ++c) {
      int64_t b = batches[static_cast<size_t>(c)];
      int x0 = panel_gap + c * (panel_w + panel_gap);
      int y0 = panel_gap + metric * (panel_h + panel_gap);
      double top = 0;
      for (const auto& [m, v] : values[b]) top = std::max(top, metric == 0 ? v.first : v.second);
      if (top <= 0) top = 1;
      svg += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">batch {}: {}</text>\n", x0,
                         y0 + 14, b, metrics[metric]);
      for (int m = 0; m < n_models; ++m) {
        auto it = values[b].find(m);
        if (it == values[b].end()) continue;
        double v = metric == 0 ? it->second.first : it->second.second;
        int y = y0 + title_h + m * (bar_h + bar_gap);
        int w = std::max(1, static_cast<int>(bar_w * v / top));
        std::string name = models[static_cast<size_t>(m)].name;
        svg += fmt::format(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n"
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n"
            "<text x=\"{}\" y=\"{}\">{}</text>\n",
            x0 + label_w - 6, y + bar_h - 5, xml_escape(name), x0 + label_w, y, w, bar_h,
            kColors[m % 8], x0 + label_w + w + 4, y + bar_h - 5, short_number(v));
      }
      svg += fmt::format(
          "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\" stroke-width=\"1\"/>\n",
          x0 + label_w, y0 + title_h - 3, x0 + label_w,
          y0 + title_h + n_models * (bar_h + bar_gap));
    }
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" fill=\"#555\">{}</text>\n", panel_gap, height - panel_gap / 2 - 4,
      xml_escape("kiln bench — each panel has its own scale; same run, interleaved"));
  svg += "</svg>\n";
  return svg;
}

}  // namespace kiln
