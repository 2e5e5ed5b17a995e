#pragma once
// kiln's public API (docs/library.md): `kiln compare REF TARGET` — runs two models (TorchScript or
// ONNX, any mix) on the same inputs (seeded random at batch 1 and a larger batch, and real dataset
// samples) and reports the seminar's E = mean |y − ŷ| with max error, relative L2, top-1 agreement
// and NaN/Inf. In kiln::core for ONNX models; a TorchScript model needs kiln::kiln.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <kiln/input_spec.h>

namespace kiln {

struct CompareOptions {
  std::filesystem::path reference, target;
  std::string input_shape;  // needed when neither model declares its input shape
  // `--input` specs (several inputs, integer tokens, named dims): random inputs at the example
  // sizes and at the second size of every dynamic dim; outputs matched by name when both models
  // name them alike (kiln's export does), else by position.
  std::vector<InputSpec> inputs;
  int64_t samples = 512;             // dataset samples (0 = none)
  int64_t batch = 32;                // the larger batch
  std::string dataset = "mnist";     // "none" to skip real samples
  double max_mae = 1e-3;             // pass when E ≤ this
  std::optional<double> atol, rtol;  // optional element-wise |y − ŷ| ≤ atol + rtol·|y|
  uint64_t seed = 0;
  // NaN/Inf fail the comparison unless this is set; then only identical ones on both sides (the
  // same NaN/infinity at the same position) pass.
  bool allow_nonfinite = false;

  // kiln::OptionError for a value compare_models cannot use.
  void validate() const;
};
// The seminar's equivalence numbers between a reference and a candidate over some outputs.
struct ErrorStats {
  double mean_abs_error = 0, max_abs_error = 0, relative_l2 = 0;
  int64_t elements = 0;
  int64_t nonfinite_reference = 0, nonfinite_candidate = 0;
  std::optional<double> top1_agreement;      // classifier-shaped (N×K) outputs only
  std::optional<std::string> shape_problem;  // set when the shapes differed
};

struct ModelRef {
  std::string path, engine;
};

// One input set (random at batch 1, at the larger batch, real images).
struct CompareSet {
  std::string inputs;
  int64_t batch = 0;
  ErrorStats error;
};

struct CompareBounds {
  double max_mae = 0;
  std::optional<double> atol, rtol;
};

struct CompareAccuracy {
  double reference = 0, target = 0, delta_pp = 0;
  int64_t samples = 0;
};

struct CompareDataset {
  std::string name;
  int64_t samples = 0;
};

struct CompareResult {
  int schema_version = 1;
  ModelRef reference, target;
  std::optional<std::vector<int64_t>> input_shape;  // one float input
  std::vector<InputSpec> inputs;                    // `--input` specs
  std::vector<CompareSet> sets;
  ErrorStats total;
  std::optional<CompareAccuracy> accuracy;
  std::optional<CompareDataset> dataset;
  CompareBounds bounds;
  std::vector<std::string> failures;
  std::vector<std::string> notes;
  bool passed = false;
};

// `passed` says whether every bound held.
CompareResult compare_models(const CompareOptions& options);
std::string compare_report_text(const CompareResult& report);

}  // namespace kiln
