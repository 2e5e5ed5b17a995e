#pragma once
// `kiln bench --tune`: searches the ONNX Runtime session settings that matter on this machine
// (intra-op threads, graph optimization level, CPU vs DNNL, thread spinning) for one model and
// batch. Every candidate is loaded at once and measured in interleaved blocks, so all of them
// see the same machine; the winners are then re-measured against ORT's defaults, interleaved
// in the same blocks, because the minimum of many noisy figures is biased low (winner's curse).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_target.h"

namespace kiln {

struct TuneOptions {
  std::filesystem::path model;
  int64_t batch = 1;
  int runs = 100, warmup = 10;
  int block = 10;           // runs per candidate before switching
  std::string input_shape;  // when the model's input shape is not declared
  int max_threads = 0;      // 0: the machine's logical CPUs
};

// {"model", "batch", "tried": [...], "best": {"latency", "throughput"}, "confirm": {...}}
nlohmann::json tune_session(const TuneOptions& options);
// What the defaults compute (first output) on the tuning batch and on another batch size (1, or 2
// when tuning batch 1): the cases every candidate must reproduce, computed once.
struct ReferenceCase {
  int64_t batch = 0;
  HostTensor input, output;
};
std::vector<ReferenceCase> reference_cases(BenchTarget& defaults, Shape shape, int64_t batch);
// Why a candidate must not be recommended: on one of the cases it fails to run, or its first
// output has another shape, a non-finite value the defaults do not have, or a relative L2 above
// 1e-4 against the defaults'. "" when it agrees. (ONNX Runtime's DNNL provider on this project's
// AMD machine ran a batch of 64 and then refused a batch of 1 with "not a valid reshape"; a
// recommendation must keep working when the batch changes.)
std::string candidate_disagreement(BenchTarget& candidate, const std::vector<ReferenceCase>& cases);
// The candidate an objective keeps: the search's `winner` unless it is not the defaults (0) and,
// re-measured against them, ran slower (`speedup_vs_default` < 1): a winner by noise, so the
// defaults are kept.
int kept_candidate(int winner, double speedup_vs_default);
// The best.json that `kiln bench --config` reads: the winners and the defaults of `report`.
nlohmann::json tune_config(const nlohmann::json& report);
// The table of what was tried and the two winners, for a terminal.
std::string tune_report_text(const nlohmann::json& report);

}  // namespace kiln
