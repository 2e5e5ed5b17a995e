#include "diff/diff_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "bench/svg_chart.h"
#include "common/table.h"
#include "report/markdown_html.h"

namespace kiln {

namespace {

std::string g(double v) { return fmt::format("{:.3g}", v); }

std::vector<const TensorDiffRecord*> worst_tensors(const DiffResult& r, size_t count) {
  std::vector<const TensorDiffRecord*> out;
  for (const auto& t : r.tensors) out.push_back(&t);
  std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    if (a->diverges != b->diverges) return a->diverges;
    return a->relative_l2 > b->relative_l2;
  });
  if (out.size() > count) out.resize(count);
  return out;
}

Table worst_table(const DiffResult& r, size_t count) {
  // A TorchScript reference: which of its values each row is.
  bool torchscript = false;
  for (const auto& t : r.tensors) torchscript = torchscript || !t.source.empty();
  Table t;
  t.header = {"tensor", "op", "max abs", "rel L2", "cosine", "tolerance", "clipped", ""};
  t.right_aligned = {false, false, true, true, true, true, true, false};
  if (torchscript) {
    t.header.insert(t.header.begin() + 1, "TorchScript value");
    t.right_aligned.insert(t.right_aligned.begin() + 1, false);
  }
  for (const auto* x : worst_tensors(r, count)) {
    std::vector<std::string> row = {
        x->name, x->op, g(x->max_abs), g(x->relative_l2), fmt::format("{:.6f}", x->cosine),
        g(x->tolerance),
        x->quantized ? fmt::format("{:.2f}%", 100 * x->quantized->clipped_share) : "—",
        x->diverges ? "DIVERGES" : ""};
    if (torchscript) row.insert(row.begin() + 1, x->source);
    t.add_row(row);
  }
  return t;
}

std::string summary_lines(const DiffResult& r) {
  std::string out;
  out += fmt::format("reference {} ({} nodes)\ntarget    {} ({} nodes)\n", r.reference.path,
                     r.reference.nodes, r.target.path, r.target.nodes);
  out += fmt::format("{} samples (batch 1): {}{}\n", r.samples.size(),
                     r.samples.empty() ? "" : r.samples.front(),
                     r.samples.size() > 1 ? fmt::format(" … {}", r.samples.back()) : "");
  out += fmt::format(
      "compared {} tensors; {} only in the reference, {} only in the target, {} not comparable\n",
      r.tensors.size(), r.removed.size(), r.added.size(), r.mismatched.size());
  out += fmt::format("tolerance: {}\n",
                     r.atol || r.rtol
                         ? fmt::format("|Δ| ≤ {} + {}·max|ref|", r.atol.value_or(0), r.rtol.value_or(0))
                         : std::string("per target dtype (float32: 1e-5 + 1e-4·max|ref|; float16: "
                                       "1e-3 + 1e-2·max|ref|; integers exact)"));
  out += fmt::format(
      "memory: {} chunk(s), largest held {:.1f} MB (budget {:.1f} MB), peak {:.0f} MB; {:.2f} s\n",
      r.chunking.chunks, static_cast<double>(r.chunking.largest_chunk_bytes) / 1048576.0,
      static_cast<double>(r.chunking.budget_bytes) / 1048576.0, r.peak_memory_mb, r.seconds);
  return out;
}

std::string first_divergent_lines(const DiffResult& r, const std::string& bullet) {
  if (!r.first_divergent) return "";
  const FirstDivergentRecord& fd = *r.first_divergent;
  std::string out = fmt::format("{}first divergent: {} ({}) → {}: max abs {}, relative L2 {}\n",
                                bullet, fd.node.empty() ? "graph input" : fd.node, fd.op, fd.output,
                                g(fd.max_abs), g(fd.relative_l2));
  auto join = [](const auto& list) {
    std::string s;
    for (const auto& x : list) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (!fd.inputs.empty()) out += fmt::format("{}  computed from (within tolerance): {}\n", bullet, join(fd.inputs));
  if (!fd.via.empty()) out += fmt::format("{}  through: {}\n", bullet, join(fd.via));
  if (!fd.attributes.empty()) {
    std::vector<std::string> kv;
    for (const auto& [k, v] : fd.attributes) kv.push_back(k + "=" + v);
    out += fmt::format("{}  attributes: {}\n", bullet, join(kv));
  }
  for (const auto& e : fd.explanation) out += fmt::format("{}  explain: {}\n", bullet, e);
  return out;
}

}  // namespace

std::string diff_report_text(const DiffResult& r, size_t worst) {
  std::string out = summary_lines(r);
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  if (!r.tensors.empty()) out += "\n" + worst_table(r, worst).text();
  out += "\n" + first_divergent_lines(r, "");
  out += r.verdict + "\n";
  return out;
}

std::string diff_depth_plot_svg(const DiffResult& r) {
  const double w = 760, h = 440, left = 70, right = 20, top = 30, panel = 160, gap = 50;
  const size_t n = r.tensors.size();
  auto x_at = [&](size_t i) {
    return left + (n <= 1 ? 0.0 : (w - left - right) * static_cast<double>(i) / double(n - 1));
  };
  // Log axis from 1e-9 to the largest value seen (at least 1).
  auto log_axis = [](double v, double lo, double hi, double y0, double height) {
    double l = std::log10(std::clamp(v, lo, hi));
    return y0 + height - height * (l - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n",
      w, h, w, h);
  // Panel 1: relative L2 error.
  double err_hi = 1;
  for (const auto& t : r.tensors) err_hi = std::max(err_hi, t.relative_l2);
  const double y1 = top;
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">relative L2 error along the target's graph "
      "(log scale; red: diverges)</text>\n",
      left, y1 - 10);
  for (double d = 1e-9; d <= err_hi * 1.0001; d *= 1000) {
    double y = log_axis(d, 1e-9, err_hi, y1, panel);
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" "
        "y=\"{:.1f}\" text-anchor=\"end\">{:.0e}</text>\n",
        left, w - right, y, y, left - 6, y + 4, d);
  }
  std::string points;
  for (size_t i = 0; i < n; ++i)
    points += fmt::format("{:.1f},{:.1f} ", x_at(i),
                          log_axis(r.tensors[i].relative_l2, 1e-9, err_hi, y1, panel));
  svg += fmt::format("<polyline class=\"error\" fill=\"none\" stroke=\"#444\" points=\"{}\"/>\n",
                     points);
  for (size_t i = 0; i < n; ++i) {
    const auto& t = r.tensors[i];
    svg += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{} ({}): rel L2 "
        "{}</title></circle>\n",
        x_at(i), log_axis(t.relative_l2, 1e-9, err_hi, y1, panel), t.diverges ? "#d62728" : "#444",
        xml_escape(t.name), xml_escape(t.op), g(t.relative_l2));
  }
  // Panel 2: each side's largest magnitude.
  const double y2 = top + panel + gap;
  double mag_hi = 1, mag_lo = 1;
  auto mag = [](double lo, double hi) { return std::max(std::fabs(lo), std::fabs(hi)); };
  for (const auto& t : r.tensors) {
    for (double v : {mag(t.reference_min, t.reference_max), mag(t.target_min, t.target_max)}) {
      mag_hi = std::max(mag_hi, v);
      if (v > 0) mag_lo = std::min(mag_lo, v);
    }
  }
  // From a power of ten below the smallest magnitude (at most 1e-6 down).
  mag_lo = std::max(1e-6, std::pow(10.0, std::floor(std::log10(mag_lo)) - 1));
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">largest |value| per tensor: <tspan "
      "fill=\"#1f77b4\">reference</tspan> and <tspan fill=\"#ff7f0e\">target</tspan> (log "
      "scale)</text>\n",
      left, y2 - 10);
  for (double d = mag_lo; d <= mag_hi * 1.0001; d *= 10) {
    double y = log_axis(d, mag_lo, mag_hi, y2, panel);
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" "
        "y=\"{:.1f}\" text-anchor=\"end\">{:.0e}</text>\n",
        left, w - right, y, y, left - 6, y + 4, d);
  }
  for (bool reference : {true, false}) {
    std::string pts;
    for (size_t i = 0; i < n; ++i) {
      const auto& t = r.tensors[i];
      double v = reference ? mag(t.reference_min, t.reference_max) : mag(t.target_min, t.target_max);
      pts += fmt::format("{:.1f},{:.1f} ", x_at(i), log_axis(v, mag_lo, mag_hi, y2, panel));
    }
    svg += fmt::format(
        "<polyline class=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" points=\"{}\"/>\n",
        reference ? "reference" : "target", reference ? "#1f77b4" : "#ff7f0e",
        reference ? 3 : 1.5, pts);
  }
  // The first divergent tensor, across both panels.
  for (size_t i = 0; i < n && r.first_divergent; ++i) {
    if (r.tensors[i].name != r.first_divergent->output) continue;
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#d62728\" "
        "stroke-dasharray=\"4 3\"/><text x=\"{0:.1f}\" y=\"{3}\" fill=\"#d62728\">first "
        "divergent: {4}</text>\n",
        x_at(i), y1, y2 + panel, y2 + panel + 16, xml_escape(r.first_divergent->output));
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">compared tensors in the target's "
      "topological order ({} of them)</text>\n</svg>\n",
      (left + w - right) / 2, h - 4, n);
  return svg;
}

std::string diff_report_html(const DiffResult& r, size_t worst) {
  std::string md = "# kiln diff\n\n";
  md += "**" + r.verdict + "**\n\n";
  std::string summary = summary_lines(r);
  md += "```\n" + summary + "```\n\n";
  if (r.first_divergent) md += "## Where the models part\n\n" + first_divergent_lines(r, "- ") + "\n";
  md += "## Error along the graph\n\n" + diff_depth_plot_svg(r) + "\n";
  md += "## Worst tensors\n\n" + worst_table(r, worst).markdown() + "\n";
  if (!r.removed.empty() || !r.added.empty() || !r.mismatched.empty()) {
    Table t;
    t.header = {"tensor", "op", "why"};
    for (const auto* list : {&r.removed, &r.added, &r.mismatched})
      for (const auto& u : *list) t.add_row({u.tensor, u.op, u.why});
    md += "## Without a counterpart\n\n" + t.markdown() + "\n";
  }
  for (const auto& n : r.notes) md += "- " + n + "\n";
  return markdown_to_html(md, "kiln diff: " + r.target.path);
}

}  // namespace kiln
