#include "export/verify_outputs.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "common/allocator_tuning.h"
#include "common/error.h"
#include "common/process_memory.h"
#include "common/shape.h"
#include "runtime/ort_session.h"

namespace kiln {

double rel_mean_abs(const HostTensor& ref, const HostTensor& got, double& max_abs) {
  const std::vector<double> r = ref.to_doubles(), g = got.to_doubles();
  if (r.empty()) return 0;
  double sum = 0, largest = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] == g[i] || (std::isnan(r[i]) && std::isnan(g[i]))) continue;
    double d = std::abs(r[i] - g[i]);
    if (!std::isfinite(d)) {
      max_abs = std::numeric_limits<double>::infinity();
      return std::numeric_limits<double>::infinity();
    }
    sum += d;
    largest = std::max(largest, d);
  }
  max_abs = std::max(max_abs, largest);
  if (sum == 0) return 0;
  double scale = 0;
  size_t finite = 0;
  for (double v : r) {
    if (!std::isfinite(v)) continue;
    scale += std::abs(v);
    ++finite;
  }
  double num = sum / static_cast<double>(r.size());
  double denom = finite > 0 ? scale / static_cast<double>(finite) : 0.0;
  return num / std::max(denom, 1e-12);
}

ExportVerification judge_verification_case(const VerificationCase& c, size_t case_index,
                                           const std::vector<HostTensor>& got,
                                           const std::vector<std::string>& output_names,
                                           double tolerance,
                                           const std::vector<std::optional<double>>& steps,
                                           const VerificationOracles& oracles) {
  std::optional<std::optional<std::vector<HostTensor>>> exact;  // computed on the first need
  std::optional<std::optional<EngineRun>> other_engine;         // alike
  ExportVerification v;
  v.sizes = c.sizes;
  v.tolerance = tolerance;
  for (size_t i = 0; i < got.size(); ++i) {
    const HostTensor& actual = got[i];
    const HostTensor& expected = c.expected[i];
    const std::string& name = output_names[i];
    if (actual.shape != expected.shape) {
      throw Error(
          fmt::format("the exported model's output '{}' has shape {} at {} where LibTorch gives {} "
                      "(a size baked "
                      "into the graph, or a data-dependent size that differs)",
                      name, format_shape(actual.shape), v.sizes, format_shape(expected.shape)));
    }
    // The dtype is part of the result (a mask that comes back float, an index that comes back
    // float).
    if (actual.dtype != expected.dtype) {
      throw Error(
          fmt::format("the exported model's output '{}' is {} at {} where LibTorch gives {}", name,
                      dtype_name(actual.dtype), v.sizes, dtype_name(expected.dtype)));
    }
    double output_max_abs = 0;
    double rel = rel_mean_abs(expected, actual, output_max_abs);
    v.max_abs = std::max(v.max_abs, output_max_abs);
    const std::optional<double> step = i < steps.size() ? steps[i] : std::nullopt;
    bool one_step = step && !(rel <= tolerance) && output_max_abs <= *step * (1 + 1e-5);
    if (one_step) v.within_one_step.push_back(name);
    bool rounding = false;
    if (!(rel <= tolerance) && !one_step && rel <= tolerance * kRoundingCap &&
        is_floating(expected.dtype)) {
      if (!exact) exact = oracles.float64 ? oracles.float64(case_index) : std::nullopt;
      if (*exact && i < (**exact).size() && (**exact)[i].shape == expected.shape) {
        double unused = 0;
        const HostTensor& e = (**exact)[i];
        double ort_err = rel_mean_abs(e, actual, unused);
        double torch_err = rel_mean_abs(e, expected, unused);
        rounding = ort_err <= std::max(tolerance, kRoundingFactor * torch_err);
        if (rounding)
          v.within_fp32_rounding.push_back(fmt::format(
              "{}: {:.3g} from LibTorch; from float64 {:.3g}, LibTorch float32's own {:.3g}", name,
              rel, ort_err, torch_err));
      }
    }
    bool engine_spread = false;
    if (!(rel <= tolerance) && !one_step && !rounding && step && rel <= kEngineSpreadCap) {
      if (!other_engine)
        other_engine = oracles.other_engine ? oracles.other_engine(case_index) : std::nullopt;
      if (*other_engine && i < (**other_engine).outputs.size() &&
          (**other_engine).outputs[i].shape == expected.shape) {
        double unused = 0;
        double spread = rel_mean_abs(expected, (**other_engine).outputs[i], unused);
        engine_spread = rel <= kEngineSpreadFactor * spread;
        if (engine_spread)
          v.within_engine_spread.push_back(
              fmt::format("{}: {:.3g} from LibTorch ({}); LibTorch {} is {:.3g} from it", name, rel,
                          oracles.reference_engine, (**other_engine).engine, spread));
      }
    }
    if (!(rel <= tolerance) && !one_step && !rounding && !engine_spread) {
      // A model that cannot run in float64 (a float32 constant a trace baked in) leaves rounding
      // and a wrong export apart only to the user, who knows the bound the model needs.
      std::string why =
          exact && !*exact
              ? " (the model cannot run in float64 to tell float32 rounding from an error; "
                "--verify-tolerance sets the bound)"
              : "";
      throw Error(fmt::format(
          "the exported model's output '{}' differs from LibTorch at {}: relative mean abs error "
          "{:.3g} > {:.1g}{}",
          name, v.sizes, rel, tolerance, why));
    }
    v.max_rel_mean_abs = std::max(v.max_rel_mean_abs, rel);
  }
  return v;
}

std::vector<ExportVerification> verify_written_model(
    const std::filesystem::path& written, const std::vector<VerificationCase>& cases,
    const std::vector<std::string>& output_names, double tolerance,
    const std::vector<std::optional<double>>& steps, const VerificationOracles& oracles) {
  if (cases.empty()) throw Error("internal: no verification case");
  std::vector<ExportVerification> verdicts;
  for (size_t k = 0; k < std::max<size_t>(cases.size(), 2); ++k) {
    const size_t r = std::min(k, cases.size() - 1);
    std::vector<HostTensor> got;
    {
      SessionOptions so;
      so.optimization = k == 0 ? GraphOptLevel::Disable : GraphOptLevel::All;
      so.initializers_from_allocator = true;
      auto session = OrtSession::from_own_file(written, so);
      got = session.run(cases[r].inputs);
    }
    return_free_memory();
    trace_memory(k == 0 ? "ONNX Runtime, optimizations off" : "ONNX Runtime, all optimizations");
    if (got.size() != cases[r].expected.size() || got.size() != output_names.size())
      throw Error(fmt::format("internal: {} ONNX outputs for {} LibTorch outputs", got.size(),
                              cases[r].expected.size()));
    verdicts.push_back(
        judge_verification_case(cases[r], r, got, output_names, tolerance, steps, oracles));
    verdicts.back().ort_optimizations = k == 0 ? "disabled" : "all";
  }
  return verdicts;
}

}  // namespace kiln
