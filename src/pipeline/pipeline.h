#pragma once
// `kiln pipeline`: the whole seminar end to end — train → freeze (and the branch study) →
// precision → export (FP32, INT8) → compare → optimize → bench → pack → validate — as a list of
// stage values (pipeline/stage.h), each cached in its own folder, then REPORT.md and report.html.
// No LibTorch in this header.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "pipeline/stage.h"

namespace kiln {

struct PipelineOptions {
  std::string dataset = "mnist";
  std::string model = "simple_cnn";
  std::filesystem::path out;  // default: runs/<timestamp>
  bool quick = false;         // smaller training set and fewer runs (smoke tests, CI)
  bool force = false;         // rerun every stage
  int epochs = 1;
  // Training samples drawn from the training split; 0: all of it, or 6000 with quick. A smaller
  // set gives a quick look at a whole run (the sanitizer job's pipeline trains on 1000).
  int64_t train_limit = 0;
  // Packed model: fp32 (model_opt.onnx), int8 (static, pre-optimized), fp16, or auto: the
  // fastest at batch 1 within accuracy_budget_pp of FP32 (artifact_choice.h).
  std::string artifact = "auto";
  double accuracy_budget_pp = 0.3;
  // The kiln executable: when set, training runs as `kiln train` in a child process with the
  // thread settings that train fastest (~1.3×); empty: in this process.
  std::filesystem::path kiln_executable;

  // kiln::OptionError for a value run_pipeline cannot use.
  void validate() const;
};

// summary.json: how each stage went and what the run cost.
struct PipelineResult {
  int schema_version = 1;
  std::string out;
  bool quick = false;
  std::string artifact;
  std::vector<StageRecord> stages;
  double wall_seconds = 0;
  double peak_rss_mb = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PipelineResult, schema_version, out, quick, artifact, stages,
                                   wall_seconds, peak_rss_mb)

// The stages of a run into `root`, in order (the list docs/architecture.md shows).
std::vector<Stage> pipeline_stages(const PipelineOptions& options,
                                   const std::filesystem::path& root);

PipelineResult run_pipeline(const PipelineOptions& options);

}  // namespace kiln
