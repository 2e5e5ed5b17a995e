#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/torch_handoff.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "compare/compare.h"

namespace kiln::cli {

void add_compare(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "compare", "Run two models (.pt or .onnx) on the same inputs and check they agree");
  auto o = std::make_shared<CompareOptions>();
  auto atol = std::make_shared<double>(-1), rtol = std::make_shared<double>(-1);
  auto json = std::make_shared<std::string>();
  cmd->add_option("reference", o->reference, "Reference model (.pt or .onnx)")->required();
  cmd->add_option("target", o->target, "Model under test (.pt or .onnx)")->required();
  auto specs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--input-shape", o->input_shape,
                  "Input shape (needed when neither model is ONNX)");
  cmd->add_option("--input", *specs,
                  "An input as NAME:DTYPE:DIMS (as kiln export takes it), once per input");
  cmd->add_option("--samples", o->samples, "Dataset samples to compare on (0 = none)")
      ->capture_default_str();
  cmd->add_option("--batch", o->batch, "The larger batch size (exercises the dynamic axis)")
      ->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "mnist, fashion-mnist or none")->capture_default_str();
  cmd->add_option("--max-mae", o->max_mae, "Pass when E = mean |y − ŷ| ≤ this")
      ->capture_default_str();
  auto* atol_opt =
      cmd->add_option("--atol", *atol, "Also require |y − ŷ| ≤ atol + rtol·|y| element-wise");
  auto* rtol_opt = cmd->add_option("--rtol", *rtol, "See --atol");
  cmd->add_flag("--allow-nonfinite", o->allow_nonfinite,
                "Accept NaN/Inf where both models give the same one at the same position");
  cmd->add_option("--seed", o->seed, "Seed of the random inputs")->capture_default_str();
  cmd->add_option("--report", *json, "Also write the report as JSON here");
  cmd->callback([&run, o, atol, rtol, json, specs, atol_opt, rtol_opt] {
    // Given values are checked as given (a negative or NaN bound is refused, never ignored).
    if (atol_opt->count() > 0) o->atol = *atol;
    if (rtol_opt->count() > 0) o->rtol = *rtol;
    run = [o, json, specs] {
      ensure_libtorch_for(o->reference);
      ensure_libtorch_for(o->target);
      o->inputs = parse_input_flags(*specs);
      CompareResult report = compare_models(*o);
      if (!json->empty()) write_file_atomic(*json, record_text(report));
      std::fputs(compare_report_text(report).c_str(), stdout);
      if (!report.passed) {
        // One line: the failure, and where to look next when both are ONNX.
        std::string hint;
        if (o->reference.extension() == ".onnx" && o->target.extension() == ".onnx")
          hint = fmt::format(" (kiln diff {} {} shows where they start to differ)",
                             o->reference.string(), o->target.string());
        std::fprintf(stderr, "kiln: error: models differ: %s%s\n",
                     report.failures.empty() ? "" : report.failures[0].c_str(), hint.c_str());
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace kiln::cli
