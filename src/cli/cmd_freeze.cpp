#include <cstdio>

#include "cli/commands.h"
#include "torchscript/freeze.h"

namespace kiln::cli {

void add_freeze(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "freeze", "Freeze a model by tracing and by scripting; measure Δ and probe branches");
  auto o = std::make_shared<FreezeOptions>();
  cmd->add_option("--model", o->model, "Built-in model name");
  cmd->add_option("--torchscript", o->torchscript, "Your TorchScript module (.pt) to re-trace");
  cmd->add_option("--weights", o->weights,
                  "Folder written by kiln train (built-in models; omitted = random weights)");
  cmd->add_option("--input-shape", o->input_shape,
                  "Input shape, e.g. 1x1x28x28 (required with --torchscript)");
  cmd->add_option("--dataset", o->dataset,
                  "Dataset for real test images (default: the training dataset; 'none' to skip)");
  cmd->add_option("--seed", o->seed, "Seed for the random inputs")->capture_default_str();
  cmd->add_option("--out", o->out, "Output folder")->required();
  cmd->callback([&run, o] {
    run = [o] {
      FreezeResult report = freeze_model(*o);
      const FreezeSummary& s = report.summary;
      std::printf(
          "traced:   max Δ %.3g, mean Δ %.3g\nscripted: max Δ %.3g, mean Δ %.3g\n%s\nwrote "
          "%s/{%s,%s,%s}\n",
          s.traced.max, s.traced.mean, s.scripted.max, s.scripted.mean,
          report.verdict.reason.c_str(), o->out.string().c_str(), kTracedFile, kScriptedFile,
          kFreezeReportMd);
      return 0;
    };
  });
}

}  // namespace kiln::cli
