#include "pipeline/pipeline_report.h"

#include <map>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "artifact/artifact_choice.h"
#include "artifact/validate.h"
#include "diff/diff_result.h"
#include "fp16/convert_fp16_file.h"
#include "bench/bench_report.h"
#include "bench/svg_chart.h"
#include "common/atomic_file.h"
#include "compare/compare.h"
#include "export/export_options.h"
#include "optimize/optimize_file.h"
#include "pipeline/pipeline_files.h"
#include "precision/precision_study.h"
#include "quantize_onnx/quantize_onnx_file.h"
#include "report/markdown_html.h"
#include "torchscript/freeze.h"
#include "train/trainer.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

namespace f = pipeline_files;

int count_op(const fs::path& model, const std::string& op) {
  onnx::ModelProto m;
  if (!m.ParseFromString(read_file(model))) return -1;
  int n = 0;
  for (const auto& node : m.graph().node()) n += node.op_type() == op;
  return n;
}

std::string g(double v) {
  return fmt::format("{:.3g}", v);
}

}  // namespace

void write_pipeline_report(const fs::path& root, const PipelineResult& summary) {
  auto train = read_record<TrainResult>(root / f::kTrain / kTrainRecordFile);
  auto freeze = read_record<FreezeResult>(root / f::kFreeze / kFreezeReportJson);
  auto branch = read_record<FreezeResult>(root / f::kBranchStudy / kFreezeReportJson);
  auto precision = read_record<PrecisionResult>(root / f::kPrecision / f::kPrecisionReport);
  auto ex32 = read_record<ExportResult>(root / f::kExport / f::kExportFp32);
  auto ex8 = read_record<ExportResult>(root / f::kExport / f::kExportInt8);
  auto c32 = read_record<CompareResult>(root / f::kCompare / f::kCompareFp32);
  auto c8 = read_record<CompareResult>(root / f::kCompare / f::kCompareInt8);
  auto opt = read_record<OptimizeFileResult>(root / f::kOptimize / f::kOptimizeReport);
  auto bd = read_record<BenchResult>(root / f::kBench / f::kBenchDisable).measurement();
  auto ba = read_record<BenchResult>(root / f::kBench / f::kBenchAll).measurement();
  auto val = read_record<ValidateResult>(root / f::kValidate / f::kValidateReport);
  auto quant = read_record<QuantizeOnnxResult>(root / f::kQuantizeStatic / f::kQuantizeReport);
  auto half = read_record<ConvertFp16Result>(root / f::kConvertFp16 / f::kFp16Report);
  auto choice = read_record<ArtifactChoice>(root / f::kChoose / f::kChoiceReport);
  auto diff8 = read_record<DiffResult>(root / f::kDiffInt8 / f::kDiffJson);

  std::string md = "# kiln pipeline report\n\n";
  md += fmt::format(
      "Run folder `{}`; {} model on {} ({} training samples, {} epoch(s), seed {}); wall time "
      "{:.0f} s, peak memory {:.0f} MB{}.\n\n",
      root.string(), train.model, train.dataset, train.train_samples, train.epochs, train.seed,
      summary.wall_seconds, summary.peak_rss_mb,
      summary.quick ? " (--quick: fewer samples and runs)" : "");

  // 1. TorchScript
  md += "## 1. TorchScript: freezing the graph\n\n";
  md += fmt::format("Trained to **{:.2f}%** test accuracy in {:.0f} s.\n\n",
                    100 * train.test_accuracy, train.train_seconds);
  md += "| freeze | max Δ | mean Δ | file |\n| --- | ---: | ---: | --- |\n";
  md += fmt::format("| traced | {} | {} | {} |\n", g(freeze.summary.traced.max),
                    g(freeze.summary.traced.mean), kTracedFile);
  md += fmt::format("| scripted | {} | {} | {} |\n", g(freeze.summary.scripted.max),
                    g(freeze.summary.scripted.mean), kScriptedFile);
  md += fmt::format(
      "\nΔ = ‖f_orig(x) − f_jit(x)‖₂ / ‖f_orig(x)‖₂ over {} input sets (random and real images, "
      "batches 1–256). {}\n\n",
      freeze.equivalence.size(), freeze.verdict.reason);
  md +=
      "**Branches.** On `branchy` (untrained weights; the branch depends on the sign of the input "
      "mean):\n\n";
  md += "| probe | branch | Δ traced | Δ scripted |\n| --- | --- | ---: | ---: |\n";
  for (const auto& p : branch.branch_probes)
    md += fmt::format("| {} | {} | {} | {} |\n", p.probe.value_or(p.inputs), p.branch.value_or("—"),
                      g(p.traced), g(p.scripted));
  md += fmt::format("\nThe trace was recorded on an input taking the {} branch. {}\n\n",
                    branch.source.trace_example.branch.value_or("?"), branch.verdict.reason);

  // 2. Precision
  md += "## 2. Mixed precision and quantization\n\n";
  std::string pm = precision_markdown(precision);
  md += pm.substr(pm.find('\n') + 2);  // drop its title

  // 3. ONNX
  md += "\n## 3. Export to ONNX and equivalence\n\n";
  md +=
      "| model | size (MB) | opset | nodes | E vs LibTorch | max abs | top-1 agreement | passed (E "
      "≤ 1e-3) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
  for (auto [ex, c, name] :
       {std::tuple{&ex32, &c32, f::kModelOnnx}, std::tuple{&ex8, &c8, f::kInt8Onnx}}) {
    md += fmt::format("| {} | {:.2f} | {} | {} | {} | {} | {:.2f}% | {} |\n", name,
                      static_cast<double>(ex->file_size_bytes) / 1e6, ex->opset, ex->nodes,
                      g(c->total.mean_abs_error), g(c->total.max_abs_error),
                      100 * c->total.top1_agreement.value_or(1.0), c->passed ? "yes" : "**no**");
  }
  md += fmt::format(
      "\nInputs `input`, outputs `output`, symbolic batch axis; compared on random inputs at batch "
      "1 and 32 and on {} test images.\n\n",
      c32.dataset ? std::to_string(c32.dataset->samples) : std::string("no"));

  // 4. Optimization
  md += "## 4. Graph optimization and profiling\n\n";
  md += format_optimize_report(opt, true) + "\n";
  int bn_before = count_op(root / f::kExport / f::kModelOnnx, "BatchNormalization");
  int bn_after = count_op(root / f::kOptimize / f::kOptOnnx, "BatchNormalization");
  md += "### ONNX Runtime optimizations disabled (what kiln's passes buy)\n\n" +
        seminar_table(bd).markdown() + "\n";
  md += "### ONNX Runtime optimizations on (ORT_ENABLE_ALL)\n\n" + seminar_table(ba).markdown() +
        "\n";
  md += "**Observations.**\n\n";
  md += fmt::format("- `fuse_bn_into_conv` removed {} of {} BatchNormalization nodes.\n",
                    bn_before - bn_after, bn_before);
  auto p50 = [](const BenchMeasurement& b, int model, int64_t batch) {
    return b.row(model, batch).latency.p50;
  };
  for (int64_t b : {1, 64}) {
    double off = p50(bd, 0, b) / p50(bd, 1, b), on = p50(ba, 0, b) / p50(ba, 1, b);
    md += fmt::format(
        "- Batch {}: model.onnx / model_opt.onnx p50 = {:.2f}× with ORT's optimizations off, "
        "{:.2f}× with them on{}.\n",
        b, off, on,
        std::abs(on - 1) < std::abs(off - 1)
            ? " — the gap shrinks when ORT optimizes the graph itself at load time"
            : "");
    double q = p50(ba, 0, b) / p50(ba, 2, b);
    md += fmt::format(
        "- Batch {}: dynamic INT8 (Linear layers only) is {:.2f}× the FP32 speed in ONNX "
        "Runtime.\n",
        b, q);
    md += fmt::format(
        "- Batch {}: static INT8 is {:.2f}× and FP16 {:.2f}× the speed of model_opt.onnx (p50, "
        "ORT's optimizations on).\n",
        b, p50(ba, f::kBenchOpt, b) / p50(ba, f::kBenchStatic, b),
        p50(ba, f::kBenchOpt, b) / p50(ba, f::kBenchFp16, b));
  }
  if (quant.preoptimize && quant.preoptimize->applied) {
    std::string passes;
    for (const auto& p : quant.preoptimize->passes)
      passes += fmt::format("{}{} ×{}", passes.empty() ? "" : ", ", p.name, p.rewrites);
    md += fmt::format(
        "- Static INT8 was quantized from model.onnx after pre-optimization ({}), so every "
        "quantized Conv fuses into one integer kernel{}.\n",
        passes,
        quant.float_gaps.empty() ? "" : fmt::format(" — except {} float op(s) in the way", quant.float_gaps.size()));
  }
  for (const auto& n : quant.nodes) {
    if (!n.quantized)
      md += fmt::format("- INT8 keeps `{}` float: {}.\n", n.node, n.float_because.value_or("?"));
    if (n.padded_channels)
      md += fmt::format(
          "- INT8 pads `{}`'s input from {} to {} channels (zero weights for the added ones): "
          "ONNX Runtime's int8 Conv is several times slower on fewer than 4.\n",
          n.node, n.input_channels.value_or(0), *n.padded_channels);
  }
  md += fmt::format("- FP16: {} nodes FP16, {} kept FP32{}; file {:.2f}× FP32's.\n", half.fp16_nodes,
                    half.fp32_nodes, half.blocked.empty() ? "" : " (see metadata.yaml's fp16)",
                    static_cast<double>(half.bytes.after) / static_cast<double>(half.bytes.before));
  if (choice.fp16_note) md += "- " + *choice.fp16_note + ".\n";
  if (diff8.first_divergent) {
    const FirstDivergentRecord& fd = *diff8.first_divergent;
    md += fmt::format(
        "- Where INT8 error enters ([kiln diff of model.onnx against the INT8 model]({}/{})): "
        "`{}` ({}), output `{}`: relative L2 {:.3g}, while every tensor it is computed from is "
        "within FP32 tolerance.{}\n",
        f::kDiffInt8, f::kDiffHtml, fd.node, fd.op, fd.output, fd.relative_l2,
        fd.explanation.empty() ? "" : " " + fd.explanation.front() + ".");
  } else {
    md += fmt::format(
        "- [kiln diff of model.onnx against the INT8 model]({}/{}): every compared tensor within "
        "FP32 tolerance.\n",
        f::kDiffInt8, f::kDiffHtml);
  }
  for (const auto& m : ba.models) {
    if (m.delta_accuracy_pp && m.accuracy && m.name == f::kInt8Onnx)
      md += fmt::format("- INT8 accuracy change: {:+.2f} pp on {} test samples.\n",
                        *m.delta_accuracy_pp, m.accuracy->samples);
  }
  md += "\n" + bench_chart_svg(ba) + "\n\n";

  // 5. Artifact
  md += "## 5. The CI/CD artifact\n\n";
  md += fmt::format("Packed: **{}** ({}). {}.\n\n", choice.chosen, choice.rule, choice.reason);
  md += "| precision | model | p50 batch 1 (ms) | samples/s batch 64 | accuracy drop (pp) | size (MB) | "
        "within budget | packed |\n| --- | --- | ---: | ---: | ---: | ---: | --- | --- |\n";
  for (const auto& a : choice.candidates)
    md += fmt::format("| {} | {} | {:.3f} | {} | {} | {:.2f} | {} | {} |\n", a.precision, a.model,
                      a.p50_ms, a.samples_per_s_b64 ? fmt::format("{:.0f}", *a.samples_per_s_b64) : "—",
                      a.drop_pp ? fmt::format("{:+.2f}", *a.drop_pp) : "—",
                      static_cast<double>(a.size_bytes) / 1e6, a.within_budget ? "yes" : "no",
                      a.precision == choice.chosen ? "**yes**" : "");
  md +=
      "\n`08_pack/artifact_v1/` holds the packed model as model_opt.onnx, metadata.yaml, golden "
      "test data, validate.py and a model card.\n\n";
  md += "| check | result | detail |\n| --- | --- | --- |\n";
  for (const auto& c : val.checks)
    md += fmt::format("| {} | {} | {} |\n", c.check, c.passed ? "pass" : "**FAIL**", c.detail);
  // The file itself, nested maps and all; only the per-file hashes are left out (they are long
  // and `kiln validate` checks them).
  md += "\nmetadata.yaml (file hashes omitted):\n\n```yaml\n";
  std::string meta = read_file(root / f::kPack / "artifact_v1" / "metadata.yaml");
  bool in_files = false;
  for (size_t start = 0; start < meta.size();) {
    size_t end = meta.find('\n', start);
    if (end == std::string::npos) end = meta.size();
    std::string line = meta.substr(start, end - start);
    start = end + 1;
    if (line.rfind("files:", 0) == 0) {
      in_files = true;
      continue;
    }
    if (in_files && line.rfind("  ", 0) == 0) continue;
    in_files = false;
    md += line + "\n";
  }
  md +=
      "```\n\nWhich checks run on every update, and why: see docs/ci.md in the kiln repository.\n";

  write_file_atomic(root / "REPORT.md", md);
  write_file_atomic(root / "report.html", markdown_to_html(md, "kiln pipeline report"));
}

}  // namespace kiln
