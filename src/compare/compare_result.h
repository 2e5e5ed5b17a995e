#pragma once
// What `kiln compare` measured: the result the CLI prints and the pipeline stores
// (05_compare/compare_*.json), and the equivalence numbers precision and quantize-onnx reuse.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "runtime/input_spec.h"

namespace kiln {

// The seminar's equivalence numbers between a reference and a candidate over some outputs.
struct ErrorStats {
  double mean_abs_error = 0, max_abs_error = 0, relative_l2 = 0;
  int64_t elements = 0;
  int64_t nonfinite_reference = 0, nonfinite_candidate = 0;
  std::optional<double> top1_agreement;      // classifier-shaped (N×K) outputs only
  std::optional<std::string> shape_problem;  // set when the shapes differed
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ErrorStats, mean_abs_error, max_abs_error, relative_l2, elements,
                                   nonfinite_reference, nonfinite_candidate, top1_agreement,
                                   shape_problem)

struct ModelRef {
  std::string path, engine;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModelRef, path, engine)

// One input set (random at batch 1, at the larger batch, real images).
struct CompareSet {
  std::string inputs;
  int64_t batch = 0;
  ErrorStats error;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareSet, inputs, batch, error)

struct CompareBounds {
  double max_mae = 0;
  std::optional<double> atol, rtol;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareBounds, max_mae, atol, rtol)

struct CompareAccuracy {
  double reference = 0, target = 0, delta_pp = 0;
  int64_t samples = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareAccuracy, reference, target, delta_pp, samples)

struct CompareDataset {
  std::string name;
  int64_t samples = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareDataset, name, samples)

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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareResult, schema_version, reference, target, input_shape,
                                   inputs, sets, total, accuracy, dataset, bounds, failures, notes,
                                   passed)

}  // namespace kiln
