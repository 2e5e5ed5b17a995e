#include <cstdio>

#include "cli/comma_items.h"
#include "cli/commands.h"
#include "cli/option_errors.h"
#include "common/error.h"
#include "optimize/optimize_file.h"
#include "optimize/registry.h"

namespace kiln::cli {

void add_optimize(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "optimize", "Rewrite an ONNX model with graph passes and verify it still computes the same");
  auto o = std::make_shared<OptimizeFileOptions>();
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto passes = std::make_shared<std::string>();
  auto report = std::make_shared<std::string>();
  auto list = std::make_shared<bool>(false);
  auto fixed_point = std::make_shared<bool>(false);
  auto no_verify = std::make_shared<bool>(false);
  auto markdown = std::make_shared<bool>(false);
  cmd->add_option("model", *input, "ONNX model to optimize (IN.onnx)");
  cmd->add_option("-o,--out", *output, "Where to write the optimized model (OUT.onnx)");
  cmd->add_option("--passes", *passes,
                  "Comma-separated pass names (default: the safe set, to a fixed point)");
  cmd->add_flag("--list-passes", *list, "List the passes, one per line, and exit");
  cmd->add_flag("--fixed-point", *fixed_point, "Repeat the --passes list until nothing changes");
  cmd->add_flag("--no-verify", *no_verify,
                "Do not compare the optimized model with the original in ONNX Runtime");
  cmd->add_option("--rtol", o->verify_options.rtol,
                  "Largest relative output change verification accepts")
      ->capture_default_str();
  cmd->add_option("--seed", o->verify_options.seed, "Seed for the verification inputs")
      ->capture_default_str();
  cmd->add_option("--report", *report, "Write the report as JSON to this file");
  cmd->add_flag("--markdown", *markdown, "Print the report table as Markdown");
  field_flag(cmd, "input", "IN.onnx");
  field_flag(cmd, "output", "--out");
  field_flag(cmd, "verify_options.rtol", "--rtol");
  field_flag(cmd, "optimize.passes", "--passes");
  cmd->callback([&run, o, input, output, passes, report, list, fixed_point, no_verify, markdown] {
    run = [=] {
      if (*list) {
        for (const auto& p : all_passes())
          std::printf("%-32s %s\n", p.name.c_str(), p.description.c_str());
        return 0;
      }
      o->input = *input;
      o->output = *output;
      if (!passes->empty()) {
        o->optimize.passes = comma_items_keeping_empty(*passes);
        o->optimize.fixed_point = *fixed_point;
      }
      if (!report->empty()) o->report = *report;
      o->verify = !*no_verify;
      OptimizeFileResult result = optimize_file(*o);
      std::fputs(format_optimize_report(result, *markdown).c_str(), stdout);
      std::printf("wrote %s\n", o->output.string().c_str());
      return 0;
    };
  });
}

}  // namespace kiln::cli
