#include "artifact/artifact_choice.h"

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

ArtifactChoice choose_artifact(const BenchMeasurement& bench,
                               const std::vector<std::pair<std::string, int>>& models,
                               const std::string& mode, double budget_pp) {
  if (models.empty() || models[0].first != "fp32")
    throw Error("choose_artifact: FP32 must be the first candidate");
  ArtifactChoice c;
  c.budget_pp = budget_pp;
  for (const auto& [precision, index] : models) {
    const BenchModelRecord& m = bench.models.at(static_cast<size_t>(index));
    ArtifactCandidate a;
    a.precision = precision;
    a.model = m.name;
    a.p50_ms = bench.row(index, 1).latency.p50;
    for (const auto& r : bench.results)
      if (r.model == index && r.batch == 64) a.samples_per_s_b64 = r.throughput_samples_per_s;
    a.size_bytes = m.size_bytes;
    if (m.accuracy) a.accuracy = m.accuracy->value();
    c.candidates.push_back(a);
  }
  const ArtifactCandidate& fp32 = c.candidates[0];
  for (auto& a : c.candidates) {
    if (a.accuracy && fp32.accuracy) a.drop_pp = (*fp32.accuracy - *a.accuracy) * 100.0;
    a.within_budget = !a.drop_pp || *a.drop_pp <= budget_pp + 1e-9;
  }
  for (const auto& a : c.candidates)
    if (a.precision == "fp16" && a.p50_ms >= fp32.p50_ms)
      c.fp16_note = fmt::format(
          "FP16 is not faster here: {:.3f} ms against FP32's {:.3f} ms at batch 1 ({:.2f}× the "
          "latency); "
          "ONNX Runtime's CPU provider runs FP16 nodes it has no FP16 kernel for through float32 "
          "Casts of its own, so on this machine FP16 buys a {:.2f}× smaller file, not speed",
          a.p50_ms, fp32.p50_ms, a.p50_ms / fp32.p50_ms,
          static_cast<double>(a.size_bytes) / static_cast<double>(fp32.size_bytes));

  if (mode != "auto") {
    bool found = false;
    for (const auto& a : c.candidates) found = found || a.precision == mode;
    if (!found) throw Error("choose_artifact: no " + mode + " model was measured");
    c.rule = "--artifact " + mode;
    c.chosen = mode;
    c.reason = "named by --artifact";
    return c;
  }
  c.rule = fmt::format("auto: the fastest at batch 1 within {:g} pp of FP32's accuracy", budget_pp);
  const ArtifactCandidate* best = &fp32;
  for (const auto& a : c.candidates)
    if (a.within_budget && a.p50_ms < best->p50_ms) best = &a;
  c.chosen = best->precision;
  std::string others;
  for (const auto& a : c.candidates) {
    if (&a == best) continue;
    others += fmt::format(
        "{}{} {:.3f} ms{}", others.empty() ? "" : ", ", a.precision, a.p50_ms,
        a.within_budget ? "" : fmt::format(" (drop {:.2f} pp: over budget)", *a.drop_pp));
  }
  c.reason = fmt::format(
      "{} at {:.3f} ms p50{}; {}", best->precision, best->p50_ms,
      best->drop_pp ? fmt::format(", accuracy drop {:.2f} pp", *best->drop_pp) : std::string(),
      others);
  return c;
}

}  // namespace kiln
