// REPORT.md / report.html of `kiln pipeline --model PATH.pt`: the stages that ran on the user's
// model, from their typed records, and the seminar stages that were skipped with the reason.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "artifact/artifact_choice.h"
#include "artifact/validate.h"
#include "bench/bench_report.h"
#include "bench/svg_chart.h"
#include "common/atomic_file.h"
#include "compare/compare.h"
#include "compare/eval_quality.h"
#include "diff/diff_result.h"
#include "export/export_options.h"
#include "fp16/convert_fp16_file.h"
#include "optimize/optimize_file.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_files.h"
#include "pipeline/user_model_stages.h"
#include "quantize_onnx/quantize_onnx_file.h"
#include "report/markdown_html.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

namespace f = pipeline_files;

std::string sig3(double v) {
  return fmt::format("{:.3g}", v);
}

// A Markdown table cell: "max |Δ|" would split it.
std::string table_cell(std::string text) {
  for (size_t i = 0; (i = text.find('|', i)) != std::string::npos; i += 2) text.insert(i, "\\");
  return text;
}

std::optional<CandidateOutcome> read_outcome(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(dir / "outcome.json", ec)) return std::nullopt;
  return read_record<CandidateOutcome>(dir / "outcome.json");
}

}  // namespace

void write_user_model_report(const fs::path& root, const PipelineOptions& o, const PipelineResult& summary) {
  auto ex = read_record<ExportResult>(root / f::kExport / f::kExportFp32);
  auto cmp = read_record<CompareResult>(root / f::kCompare / f::kCompareFp32);
  auto opt = read_record<OptimizeFileResult>(root / f::kOptimize / f::kOptimizeReport);
  auto bench = read_record<BenchResult>(root / f::kBench / f::kBenchAll).measurement();
  auto choice = read_record<ArtifactChoice>(root / f::kChoose / f::kChoiceReport);
  auto pack = read_record<UserPackRecord>(root / f::kPack / "pack.json");
  auto val = read_record<ValidateResult>(root / f::kValidate / f::kValidateReport);

  std::string specs;
  for (const auto& s : ex.input_specs) specs += fmt::format("{}`{}`", specs.empty() ? "" : ", ", format_input_spec(s));
  std::string md = "# kiln pipeline report: " + fs::path(o.model).filename().string() + "\n\n";
  md += fmt::format("Run folder `{}`; model `{}`, inputs {}; wall time {:.0f} s, peak memory {:.0f} MB{}.\n\n",
                    root.string(), o.model, specs, summary.wall_seconds, summary.peak_rss_mb,
                    summary.quick ? " (--quick: fewer runs)" : "");
  md += "Data: ";
  md += o.example.empty() ? "seeded random inputs of the specs for export and comparison" : "example values from `" + o.example.string() + "`";
  md += o.calibrate.empty() ? "; no calibration folder (INT8 is dynamic, FP16 ranges from random inputs)"
                            : fmt::format("; calibration `{}` ({} samples at most)", o.calibrate.string(), o.calib_samples);
  md += o.eval.empty() ? "; no evaluation folder.\n\n" : fmt::format("; evaluation `{}`.\n\n", o.eval.string());

  md += "## Stages\n\n| stage | status | seconds | result |\n| --- | --- | ---: | --- |\n";
  for (const auto& s : summary.stages)
    md += fmt::format("| {} | {} | {:.1f} | {} |\n", s.name, s.cached ? "cached" : "done", s.seconds, table_cell(s.summary));
  md += "\nSkipped (they need kiln's own eager model):\n\n";
  for (const auto& s : summary.skipped) md += "- " + s + "\n";

  md += "\n## Export to ONNX and equivalence\n\n";
  md += fmt::format("`model.onnx`: {:.2f} MB, opset {}, {} nodes, {} initializers; export {:.1f} s.\n\n",
                    static_cast<double>(ex.file_size_bytes) / 1e6, ex.opset, ex.nodes, ex.initializers, ex.seconds);
  md += "| input | dtype | shape |\n| --- | --- | --- |\n";
  for (const auto& i : ex.inputs) md += fmt::format("| {} | {} | {} |\n", i.name, i.dtype, fmt::join(i.shape, "×"));
  md += "\n| output | dtype | shape |\n| --- | --- | --- |\n";
  for (const auto& i : ex.outputs) md += fmt::format("| {} | {} | {} |\n", i.name, i.dtype, fmt::join(i.shape, "×"));
  md += "\nVerified in ONNX Runtime against LibTorch during export:\n\n";
  for (const auto& v : ex.verification)
    md += fmt::format("- {}: worst output's relative mean |Δ| {} (bound {:g}), max |Δ| {}{}\n", v.sizes, sig3(v.max_rel_mean_abs),
                      v.tolerance, sig3(v.max_abs), v.ort_optimizations == "all" ? ", ONNX Runtime's optimizations on" : "");
  md += fmt::format("\n`kiln compare` (LibTorch vs ONNX Runtime, {} input sets): E = {}, max |Δ| = {} — {}.\n\n",
                    cmp.sets.size(), sig3(cmp.total.mean_abs_error), sig3(cmp.total.max_abs_error),
                    cmp.passed ? fmt::format("within {:g}", cmp.bounds.max_mae) : "**BOUND EXCEEDED**");
  if (!ex.model_warnings.empty()) {
    md += "LibTorch warned while the model ran:\n\n";
    for (const auto& w : ex.model_warnings) md += "- " + w + "\n";
    md += "\n";
  }

  md += "## Optimization, INT8 and FP16\n\n";
  md += format_optimize_report(opt, true) + "\n";
  const fs::path int8_dir = root / f::kQuantizeStatic, fp16_dir = root / f::kConvertFp16;
  if (auto q = read_outcome(int8_dir); q && q->made) {
    auto r = read_record<QuantizeOnnxResult>(int8_dir / f::kQuantizeReport);
    md += fmt::format("- INT8 ({}{}): {} nodes quantized; {:.2f} MB → {:.2f} MB.\n", r.mode,
                      r.calibration ? fmt::format(", calibrated on {} samples", r.calibration->samples) : "",
                      r.mode == "dynamic" ? r.quantized_nodes.size() : static_cast<size_t>(r.summary.quantized_nodes),
                      static_cast<double>(r.bytes.before) / 1e6, static_cast<double>(r.bytes.after) / 1e6);
    for (const auto& n : r.left_float) md += fmt::format("  - left float: `{}`\n", n);
  } else if (q) {
    md += "- INT8 not made: " + q->reason + "\n";
  }
  if (auto h = read_outcome(fp16_dir); h && h->made) {
    auto r = read_record<ConvertFp16Result>(fp16_dir / f::kFp16Report);
    md += fmt::format("- FP16: {} nodes FP16, {} kept FP32; E = {} against FP32 on {}.\n", r.fp16_nodes, r.fp32_nodes,
                      sig3(r.error.mean_abs_error), r.verified_on);
  } else if (h) {
    md += "- FP16 not made: " + h->reason + "\n";
  }
  if (auto d = read_outcome(root / f::kDiffInt8); d && d->made) {
    auto r = read_record<DiffResult>(root / f::kDiffInt8 / f::kDiffJson);
    if (r.first_divergent)
      md += fmt::format("- Where INT8 error enters ([kiln diff]({}/{}), seeded inputs of the specs): `{}` ({}), relative L2 {}.\n",
                        f::kDiffInt8, f::kDiffHtml, r.first_divergent->node, r.first_divergent->op,
                        sig3(r.first_divergent->relative_l2));
    else
      md += fmt::format("- [kiln diff]({}/{}): every compared tensor of the INT8 model within FP32 tolerance.\n", f::kDiffInt8,
                        f::kDiffHtml);
  }

  md += "\n## Benchmark (ONNX Runtime, its optimizations on)\n\n" + seminar_table(bench).markdown() + "\n";
  md += bench_chart_svg(bench) + "\n\n";

  md += "## The artifact\n\n";
  std::error_code ec;
  if (fs::is_regular_file(root / f::kChoose / "quality.json", ec)) {
    auto q = read_record<EvalQuality>(root / f::kChoose / "quality.json");
    md += "Quality: " + q.describe() + ".\n\n";
  }
  md += fmt::format("Packed: **{}** ({}). {}.\n\n", choice.chosen, choice.rule, choice.reason);
  md += "| precision | model | p50 (ms) | samples/s | accuracy / agreement | drop (pp) | relative error | size (MB) | "
        "within budget | packed |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n";
  for (const auto& a : choice.candidates)
    md += fmt::format("| {} | {} | {:.3f} | {} | {} | {} | {} | {:.2f} | {} | {} |\n", a.precision, a.model, a.p50_ms,
                      a.samples_per_s_b64 ? fmt::format("{:.0f} (batch {})", *a.samples_per_s_b64, a.throughput_batch) : "—",
                      a.accuracy ? fmt::format("{:.2f}%", 100 * *a.accuracy) : "—",
                      a.drop_pp ? fmt::format("{:+.2f}", *a.drop_pp) : "—",
                      a.relative_error ? sig3(*a.relative_error) : "—", static_cast<double>(a.size_bytes) / 1e6,
                      a.within_budget ? "yes" : "no", a.precision == choice.chosen ? "**yes**" : "");
  if (choice.fp16_note) md += "\n" + *choice.fp16_note + ".\n";
  md += fmt::format("\nEquivalence bound of the artifact: {:g} ({}).\n\n", pack.max_mae, pack.bound_rule);
  md += "`08_pack/artifact_v1/` holds the packed model as model_opt.onnx, metadata.yaml, golden test data, "
        "validate.py and a model card. Check it in CI with `kiln validate` or `python3 validate.py`.\n\n";
  md += "| check | result | detail |\n| --- | --- | --- |\n";
  for (const auto& c : val.checks)
    md += fmt::format("| {} | {} | {} |\n", c.check, c.passed ? "pass" : "**FAIL**", c.detail);
  write_file_atomic(root / "REPORT.md", md);
  write_file_atomic(root / "report.html", markdown_to_html(md, "kiln pipeline report"));
}

}  // namespace kiln
