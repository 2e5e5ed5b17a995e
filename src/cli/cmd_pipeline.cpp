#include <cstdio>

#include "cli/commands.h"
#include "cli/option_errors.h"
#include "common/child_process.h"
#include "pipeline/pipeline.h"

namespace kiln::cli {

void add_pipeline(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "pipeline", "Run the whole seminar end to end and write REPORT.md / report.html");
  auto o = std::make_shared<PipelineOptions>();
  cmd->add_option("--dataset", o->dataset, "mnist or fashion-mnist")->capture_default_str();
  cmd->add_option("--model", o->model, "simple_cnn or mlp")->capture_default_str();
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
  cmd->callback([&run, o] {
    run = [o] {
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
