#include "artifact/artifact_choice.h"

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

std::vector<ArtifactCandidate> artifact_candidates(const BenchMeasurement& bench,
                                                   const std::vector<std::pair<std::string, int>>& models,
                                                   int64_t latency_batch, int64_t throughput_batch) {
  if (models.empty() || models[0].first != "fp32")
    throw Error("choose_artifact: FP32 must be the first candidate");
  std::vector<ArtifactCandidate> candidates;
  for (const auto& [precision, index] : models) {
    const BenchModelRecord& m = bench.models.at(static_cast<size_t>(index));
    ArtifactCandidate a;
    a.precision = precision;
    a.model = m.name;
    a.p50_ms = bench.row(index, latency_batch).latency.p50;
    a.throughput_batch = throughput_batch;
    for (const auto& r : bench.results)
      if (r.model == index && r.batch == throughput_batch) a.samples_per_s_b64 = r.throughput_samples_per_s;
    a.size_bytes = m.size_bytes;
    if (m.accuracy) a.accuracy = m.accuracy->value();
    candidates.push_back(a);
  }
  return candidates;
}

ArtifactChoice choose_artifact(const BenchMeasurement& bench,
                               const std::vector<std::pair<std::string, int>>& models,
                               const std::string& mode, double budget_pp) {
  auto candidates = artifact_candidates(bench, models, 1, 64);
  const ArtifactCandidate fp32 = candidates[0];
  for (auto& a : candidates) {
    if (a.accuracy && fp32.accuracy) a.drop_pp = (*fp32.accuracy - *a.accuracy) * 100.0;
    a.within_budget = !a.drop_pp || *a.drop_pp <= budget_pp + 1e-9;
  }
  return choose_among(std::move(candidates), mode, budget_pp,
                      fmt::format("auto: the fastest at batch 1 within {:g} pp of FP32's accuracy", budget_pp));
}

ArtifactChoice choose_among(std::vector<ArtifactCandidate> candidates, const std::string& mode,
                            double budget_pp, const std::string& rule) {
  if (candidates.empty() || candidates[0].precision != "fp32")
    throw Error("choose_artifact: FP32 must be the first candidate");
  ArtifactChoice c;
  c.budget_pp = budget_pp;
  c.candidates = std::move(candidates);
  const ArtifactCandidate& fp32 = c.candidates[0];
  for (const auto& a : c.candidates)
    if (a.precision == "fp16" && a.p50_ms >= fp32.p50_ms)
      c.fp16_note = fmt::format(
          "FP16 is not faster here: {:.3f} ms against FP32's {:.3f} ms ({:.2f}× the latency); "
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
  c.rule = rule;
  const ArtifactCandidate* best = &fp32;
  for (const auto& a : c.candidates)
    if (a.within_budget && a.p50_ms < best->p50_ms) best = &a;
  c.chosen = best->precision;
  auto quality = [](const ArtifactCandidate& a) {
    if (a.drop_pp) return fmt::format("drop {:.2f} pp", *a.drop_pp);
    if (a.relative_error) return fmt::format("relative error {:.2g}", *a.relative_error);
    return std::string("accuracy cost not measured");
  };
  std::string others;
  for (const auto& a : c.candidates) {
    if (&a == best) continue;
    const bool measured = a.drop_pp || a.relative_error || &a == &fp32;
    others += fmt::format("{}{} {:.3f} ms{}", others.empty() ? "" : ", ", a.precision, a.p50_ms,
                          a.within_budget ? ""
                          : measured      ? fmt::format(" ({}: over budget)", quality(a))
                                          : " (accuracy cost not measured)");
  }
  c.reason = fmt::format("{} at {:.3f} ms p50{}; {}", best->precision, best->p50_ms,
                         best->precision == "fp32" || (!best->drop_pp && !best->relative_error)
                             ? std::string()
                             : ", " + quality(*best),
                         others);
  return c;
}

}  // namespace kiln
