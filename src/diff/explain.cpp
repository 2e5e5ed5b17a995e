#include "diff/explain.h"

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/json_record.h"

namespace kiln {

namespace {

template <typename T>
bool try_parse(const std::string& text, const std::string& what, std::vector<T>& into) {
  try {
    into.push_back(parse_record<T>(text, what));
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  for (const auto& v : list)
    if (v == value) return true;
  return false;
}

void explain_optimize(const OptimizeFileResult& r, const FirstDivergentRecord& fd,
                      std::vector<std::string>& out) {
  std::vector<const PassRunRecord*> made;
  for (const auto& run : r.runs)
    if (contains(run.touched, fd.output)) made.push_back(&run);
  if (made.empty()) return;
  std::string chain;
  for (const auto* run : made)
    chain += (chain.empty() ? "" : ", then ") + fmt::format("{} (round {})", run->pass, run->iteration);
  const PassRunRecord& last = *made.back();
  std::string check = last.verified && last.max_rel
                          ? fmt::format("; that application's own check measured a max relative "
                                        "output change of {:.3g}",
                                        *last.max_rel)
                          : "";
  out.push_back(fmt::format("optimizer pass {} made this node ({} rewrote {} → {}){}", last.pass,
                            chain, r.input, r.output, check));
}

void explain_quantize(const QuantizeOnnxResult& r, const FirstDivergentRecord& fd,
                      const TensorPair& pair, const TensorDiffRecord& stats,
                      std::vector<std::string>& out) {
  for (const auto& n : r.nodes) {
    if (n.node != fd.node) continue;
    if (n.float_because) {
      out.push_back(fmt::format("quantize-onnx kept {} ({}) float: {}", n.node, n.op, *n.float_because));
    } else {
      out.push_back(fmt::format("quantize-onnx quantized {} ({}): weights {}", n.node, n.op, n.weights));
    }
  }
  if (pair.quant) {
    std::string range;
    for (const auto& a : r.activations) {
      if (a.tensor != fd.output) continue;
      if (a.min && a.max) range = fmt::format(", calibrated range [{:.4g}, {:.4g}]", *a.min, *a.max);
      if (a.shares_with) range += fmt::format(", parameters shared with {}", *a.shares_with);
    }
    const QuantizedTensorRecord& q = *pair.quant;
    std::string method = r.calibration ? fmt::format(" by {} calibration on {}", r.calibration->method,
                                                     r.calibration->source)
                                       : "";
    double clipped = stats.quantized ? stats.quantized->clipped_share : 0;
    out.push_back(fmt::format(
        "quantize-onnx quantizes the activation {} to [{}, {}] with scale {:.4g}, zero point {}{}{}; "
        "{:.2f}% of the reference values fall outside that range",
        fd.output, q.qmin, q.qmax, q.scale, q.zero_point, method, range, 100 * clipped));
  }
  for (size_t i = 0; i < r.sensitivity.size(); ++i) {
    if (r.sensitivity[i].node != fd.node) continue;
    out.push_back(fmt::format(
        "its sensitivity (quantizing it alone): relative L2 {:.3g} at the outputs, rank {} of {}",
        r.sensitivity[i].relative_l2, i + 1, r.sensitivity.size()));
  }
  if (r.preoptimize && !r.preoptimize->passes.empty() && out.empty()) {
    std::string passes;
    for (const auto& p : r.preoptimize->passes) passes += (passes.empty() ? "" : ", ") + p.name;
    out.push_back(fmt::format("quantize-onnx's pre-optimization ({}) ran before quantizing", passes));
  }
}

void explain_fp16(const ConvertFp16Result& r, const FirstDivergentRecord& fd,
                  const TensorDiffRecord& stats, std::vector<std::string>& out) {
  for (const auto& b : r.blocked) {
    if (b.node == fd.node) {
      out.push_back(fmt::format("convert-fp16 kept {} ({}) in FP32: {}", b.node, b.op, b.why));
      return;
    }
  }
  if (stats.precision == "float16")
    out.push_back(fmt::format("convert-fp16 runs {} ({}) in FP16{}", fd.node, fd.op,
                              r.calibration ? " (ranges measured on " + *r.calibration + ")" : ""));
}

}  // namespace

ExplainReports read_explain_reports(const std::vector<std::filesystem::path>& files) {
  ExplainReports reports;
  for (const auto& f : files) {
    const std::string text = read_file(f);
    const std::string what = f.string();
    if (try_parse(text, what, reports.optimize)) {
      reports.files.push_back(what + " (optimize report)");
    } else if (try_parse(text, what, reports.quantize)) {
      reports.files.push_back(what + " (quantize-onnx report)");
    } else if (try_parse(text, what, reports.fp16)) {
      reports.files.push_back(what + " (convert-fp16 report)");
    } else {
      throw Error(fmt::format(
          "{}: not an optimize, quantize-onnx or convert-fp16 report (--explain reads their JSON "
          "reports)",
          what));
    }
  }
  return reports;
}

std::vector<std::string> explain_divergence(const ExplainReports& reports,
                                            const FirstDivergentRecord& fd, const TensorPair& pair,
                                            const TensorDiffRecord& stats) {
  std::vector<std::string> out;
  for (const auto& r : reports.optimize) explain_optimize(r, fd, out);
  for (const auto& r : reports.quantize) explain_quantize(r, fd, pair, stats, out);
  for (const auto& r : reports.fp16) explain_fp16(r, fd, stats, out);
  if (out.empty() && !reports.files.empty())
    out.push_back("no report given names this node: the transformations they record did not make it");
  return out;
}

}  // namespace kiln
