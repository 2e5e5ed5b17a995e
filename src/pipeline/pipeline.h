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
#include "runtime/input_spec.h"

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

  // The user's own model (`--model PATH.pt`, any TorchScript file): export → compare → optimize →
  // INT8 → FP16 → diff → bench → choose → pack → validate on it (pipeline/user_model_stages.h);
  // train, freeze, the branch study and the autocast study need kiln's eager model and are
  // skipped with the reason. These fields are for that mode only.
  std::vector<InputSpec> inputs;           // --input, one per forward argument (required)
  std::filesystem::path example;           // --example: the user's example values
  std::filesystem::path calibrate;         // --calibrate: batch folder → static INT8 (else dynamic)
  std::filesystem::path eval;              // --eval: batch folder, labels optional
  int64_t calib_samples = 256;
  int64_t eval_samples = 0;                // 0: every sample of --eval
  int opset = 13;
  std::vector<std::filesystem::path> ops_libraries;
  std::string description;                 // the model card's intended use
  // --artifact auto on a model whose outputs are not class scores: INT8/FP16 qualify when their
  // relative error against FP32 on the user's data is at most this.
  double max_relative_error = 0.01;

  // True when `model` names a file rather than one of kiln's zoo models.
  bool user_model() const;

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
  std::vector<std::string> skipped;  // a user's model: the seminar stages left out, with why
  double wall_seconds = 0;
  double peak_rss_mb = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PipelineResult, schema_version, out, quick, artifact, stages,
                                   skipped, wall_seconds, peak_rss_mb)

// The stages of a run into `root`, in order (the list docs/architecture.md shows).
std::vector<Stage> pipeline_stages(const PipelineOptions& options,
                                   const std::filesystem::path& root);

PipelineResult run_pipeline(const PipelineOptions& options);

}  // namespace kiln
