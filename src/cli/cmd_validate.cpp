// `kiln validate`: the check a CI/CD pipeline runs on every update. Runs in the LibTorch-free
// `kiln` unless --reference names a TorchScript file.
#include <cstdio>

#include <fmt/format.h>

#include "artifact/artifact_layout.h"
#include "artifact/validate.h"
#include "cli/commands.h"
#include "cli/torch_handoff.h"

namespace kiln::cli {

void add_validate(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "validate", "Check an artifact: hashes, schema, checker, golden outputs, budgets");
  auto o = std::make_shared<ValidateOptions>();
  auto mae = std::make_shared<double>(-1), drop = std::make_shared<double>(-1),
       ratio = std::make_shared<double>(-1);
  cmd->add_option("artifact", o->artifact, "Artifact folder")->required();
  cmd->add_option("--reference", o->reference,
                  "Re-check equivalence against this model (.pt or .onnx)");
  auto* mae_opt =
      cmd->add_option("--max-mae", *mae, "Equivalence bound (default: the one in metadata.yaml)");
  auto* drop_opt =
      cmd->add_option("--max-accuracy-drop", *drop, "Accuracy budget in percentage points");
  auto* ratio_opt =
      cmd->add_option("--max-latency-ratio", *ratio,
                      "Budget for artifact p50 / reference p50 (same run; needs --reference)");
  cmd->add_option("--junit", o->junit, "Write a JUnit XML report here");
  cmd->callback([&run, o, mae, drop, ratio, mae_opt, drop_opt, ratio_opt] {
    // A given bound is checked as given (ValidateOptions::validate refuses negative and NaN ones):
    // `--max-mae -1` and `--max-mae nan` used to be taken for "not given".
    if (mae_opt->count() > 0) o->max_mae = *mae;
    if (drop_opt->count() > 0) o->max_accuracy_drop = *drop;
    if (ratio_opt->count() > 0) o->max_latency_ratio = *ratio;
    run = [o] {
      ensure_libtorch_for(o->reference);
      ValidateResult r = validate_artifact(*o);
      std::fputs(validate_report_text(r).c_str(), stdout);
      if (!r.passed) {
        // One line: the first failure and, when outputs differ, where to look next.
        const bool outputs_differ =
            !r.failures.empty() &&
            (r.failures[0].rfind("golden", 0) == 0 || r.failures[0].rfind("reference", 0) == 0);
        std::string hint =
            outputs_differ
                ? fmt::format(" (kiln diff {} {} shows where the outputs start to differ)",
                              o->reference.extension() == ".onnx" ? o->reference.string()
                                                                  : std::string("MODEL.onnx"),
                              (o->artifact / artifact::kModelFile).string())
                : "";
        std::fprintf(stderr, "kiln: error: %s%s\n",
                     r.failures.empty() ? "artifact invalid" : r.failures[0].c_str(), hint.c_str());
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace kiln::cli
