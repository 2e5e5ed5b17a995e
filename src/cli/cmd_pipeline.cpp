#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/option_errors.h"
#include "common/child_process.h"
#include "common/error.h"
#include "pipeline/pipeline.h"

namespace kiln::cli {

void add_pipeline(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "pipeline", "Run the whole seminar end to end and write REPORT.md / report.html");
  auto o = std::make_shared<PipelineOptions>();
  cmd->add_option("--dataset", o->dataset, "mnist or fashion-mnist")->capture_default_str();
  cmd->add_option("--model", o->model,
                  "simple_cnn or mlp (the seminar's run), or your own TorchScript file (PATH.pt): export → compare → "
                  "optimize → INT8 → FP16 → diff → bench → choose → pack → validate on it")
      ->capture_default_str();
  auto specs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--input", *specs,
                  "With --model PATH.pt: an input as NAME:DTYPE:DIMS[:LO..HI] (as kiln export takes it), once per forward "
                  "argument");
  cmd->add_option("--example", o->example, "With --model PATH.pt: example inputs (as kiln export --example)");
  cmd->add_option("--calibrate", o->calibrate,
                  "With --model PATH.pt: a folder of input batches (.npz, .pb): static INT8 calibrated on it (dynamic INT8 "
                  "without), FP16 ranges, golden data and the INT8/FP16 quality check");
  cmd->add_option("--calib-samples", o->calib_samples, "Samples of --calibrate to use")->capture_default_str();
  cmd->add_option("--eval", o->eval,
                  "With --model PATH.pt: evaluation batches (.npz; with 'labels': top-1 accuracy, without: agreement with "
                  "FP32 or relative error)");
  cmd->add_option("--eval-samples", o->eval_samples, "Samples of --eval to use (0: all)")->capture_default_str();
  cmd->add_option("--opset", o->opset, "With --model PATH.pt: ONNX opset of the export")->capture_default_str();
  cmd->add_option("--ops-library", o->ops_libraries,
                  "With --model PATH.pt: a library registering TorchScript ops the model calls (repeatable)");
  cmd->add_option("--description", o->description, "With --model PATH.pt: the model card's intended use");
  cmd->add_option("--max-relative-error", o->max_relative_error,
                  "With --model PATH.pt and --artifact auto: largest relative error against FP32 for INT8/FP16 when the "
                  "outputs are not class scores")
      ->capture_default_str();
  field_flag(cmd, "inputs", "--input");
  field_flag(cmd, "calib_samples", "--calib-samples");
  field_flag(cmd, "eval_samples", "--eval-samples");
  field_flag(cmd, "ops_libraries", "--ops-library");
  field_flag(cmd, "max_relative_error", "--max-relative-error");
  cmd->add_option("--epochs", o->epochs, "Training epochs")->capture_default_str();
  cmd->add_option("--train-limit", o->train_limit,
                  "Train on this many samples of the training split (0: all, 6000 with --quick)")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Run folder (default runs/<timestamp>)");
  cmd->add_flag("--quick", o->quick, "Smaller training set and fewer runs (smoke tests, CI)");
  cmd->add_flag("--force", o->force, "Rerun every stage even when cached");
  cmd->add_option("--artifact", o->artifact,
                  "Packed model: fp32, int8 (static, calibrated), fp16, or auto (the fastest at "
                  "batch 1 within --accuracy-budget of FP32's accuracy)")
      ->capture_default_str();
  cmd->add_option("--accuracy-budget", o->accuracy_budget_pp,
                  "With --artifact auto: largest top-1 accuracy drop (percentage points) against FP32")
      ->capture_default_str();
  field_flag(cmd, "accuracy_budget_pp", "--accuracy-budget");
  cmd->callback([&run, o, specs, cmd] {
    run = [o, specs, cmd] {
      // The seminar's training and dataset options mean nothing to a model of the user's own:
      // refused, not ignored.
      if (o->user_model())
        for (const char* flag : {"--dataset", "--epochs", "--train-limit"})
          if (cmd->count(flag) > 0)
            throw UsageError(std::string(flag) + " is for the seminar's own model; with --model PATH.pt give --calibrate/--eval data");
      o->inputs = parse_input_flags(*specs);
      o->kiln_executable = current_executable();  // train in a child with its own thread settings
      PipelineResult s = run_pipeline(*o);
      std::printf(
          "\ndone in %.0f s (peak memory %.0f MB)\nreport: %s/REPORT.md and "
          "%s/report.html\nartifact: %s/08_pack/artifact_v1\n",
          s.wall_seconds, s.peak_rss_mb, s.out.c_str(), s.out.c_str(), s.out.c_str());
      return 0;
    };
  });
}

}  // namespace kiln::cli
