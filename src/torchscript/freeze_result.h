#pragma once
// What `kiln freeze` did: written to OUT/freeze_report.json and returned to callers. No LibTorch.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "train/train_result.h"

namespace kiln {

// One input set: Δ = relative L2 of each freeze against the original, and top-1 agreement.
struct FreezeDeltaRow {
  std::string inputs;  // what the inputs were ("random normal (seed 1)", "mnist test images")
  std::optional<std::string> probe;   // branch probes: the probe's recipe
  std::optional<double> input_mean;   // branch probes: the inputs' mean
  std::optional<std::string> branch;  // the branch the original model took (models that report it)
  int64_t batch = 0;
  double traced = 0, scripted = 0;
  double traced_top1 = 0, scripted_top1 = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FreezeDeltaRow, inputs, probe, input_mean, branch, batch, traced,
                                   scripted, traced_top1, scripted_top1)

struct DeltaSummary {
  double max = 0, mean = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DeltaSummary, max, mean)

struct FreezeSummary {
  DeltaSummary traced, scripted;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FreezeSummary, traced, scripted)

struct TraceExample {
  std::vector<int64_t> shape;
  std::string kind;
  double mean = 0;
  std::optional<std::string> branch;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TraceExample, shape, kind, mean, branch)

struct FreezeSource {
  std::string kind;                  // "built-in" or "user TorchScript"
  std::optional<std::string> model;  // built-in model name
  std::optional<std::string> path;   // user TorchScript file
  std::optional<std::string> weights;
  std::optional<TrainResult> train_record;  // the weights' training record, when beside them
  TraceExample trace_example;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FreezeSource, kind, model, path, weights, train_record,
                                   trace_example)

struct FreezeVerdict {
  bool trace_safe = false, script_matches = false;
  double worst_traced_delta = 0, worst_scripted_delta = 0;
  std::string recommended, reason;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FreezeVerdict, trace_safe, script_matches, worst_traced_delta,
                                   worst_scripted_delta, recommended, reason)

struct FreezeResult {
  int schema_version = 1;
  FreezeSource source;
  double threshold = 0;
  std::optional<std::string> real_images;  // the dataset whose test images were used
  std::vector<FreezeDeltaRow> equivalence;
  FreezeSummary summary;
  std::vector<FreezeDeltaRow> branch_probes;
  std::vector<std::string> tracer_warnings;
  FreezeVerdict verdict;
  std::vector<std::string> files;
  std::map<std::string, uint64_t> file_sizes;
  std::vector<std::string> notes;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FreezeResult, schema_version, source, threshold, real_images,
                                   equivalence, summary, branch_probes, tracer_warnings, verdict,
                                   files, file_sizes, notes)

}  // namespace kiln
