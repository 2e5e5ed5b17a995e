#pragma once
// Which model `kiln pipeline` packs: FP32 (model_opt.onnx), static INT8 or FP16, as --artifact
// says, or with `auto` the fastest at batch 1 (median latency, ONNX Runtime's own optimizations
// on, as the artifact will run) among those whose top-1 accuracy is within --accuracy-budget of
// FP32's. The choice and every alternative, with the figures it was made on, go into
// metadata.yaml and REPORT.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_result.h"
#include "common/json_record.h"

namespace kiln {

struct ArtifactChoiceOptions {
  std::string mode = "auto";  // fp32, int8, fp16 or auto
  double accuracy_budget_pp = 0.3;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ArtifactChoiceOptions, mode, accuracy_budget_pp)

struct ArtifactCandidate {
  std::string precision;  // fp32, int8, fp16
  std::string model;      // file name, as in the bench table
  double p50_ms = 0;      // batch 1
  std::optional<double> samples_per_s_b64;  // at throughput_batch (64 in the seminar run)
  int64_t throughput_batch = 64;
  std::optional<double> accuracy;  // top-1 on the test split, or on the user's --eval data
  std::optional<double> drop_pp;   // against FP32 (model_opt.onnx)
  // A user's model whose outputs are not class scores: Σ|y − y_fp32| / Σ|y_fp32| on their data.
  std::optional<double> relative_error;
  uint64_t size_bytes = 0;
  bool within_budget = true;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ArtifactCandidate, precision, model, p50_ms, samples_per_s_b64,
                                   throughput_batch, accuracy, drop_pp, relative_error, size_bytes,
                                   within_budget)

struct ArtifactChoice {
  int schema_version = 1;
  std::string rule;  // "--artifact int8" or "auto: fastest at batch 1 within 0.3 pp"
  double budget_pp = 0;
  std::string chosen;  // precision of the packed model
  std::string reason;
  std::vector<ArtifactCandidate> candidates;
  // When FP16 is no faster than FP32 here: said plainly rather than implied by a table row.
  std::optional<std::string> fp16_note;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ArtifactChoice, schema_version, rule, budget_pp, chosen, reason,
                                   candidates, fp16_note)

// `models`: (precision, index into bench.models) with FP32 first. `mode`: fp32, int8, fp16 or
// auto. Throws kiln::Error when a named precision was not measured.
ArtifactChoice choose_artifact(const BenchMeasurement& bench,
                               const std::vector<std::pair<std::string, int>>& models,
                               const std::string& mode, double budget_pp);

// The same from candidates whose quality and within_budget the caller measured (the pipeline on a
// user's model: quality on their data, compare/eval_quality.h): p50 at `latency_batch` and
// throughput at `throughput_batch` of the bench. `rule` words the budget.
std::vector<ArtifactCandidate> artifact_candidates(const BenchMeasurement& bench,
                                                   const std::vector<std::pair<std::string, int>>& models,
                                                   int64_t latency_batch, int64_t throughput_batch);
ArtifactChoice choose_among(std::vector<ArtifactCandidate> candidates, const std::string& mode,
                            double budget_pp, const std::string& rule);

}  // namespace kiln
