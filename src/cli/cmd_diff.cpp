#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_errors.h"
#include "cli/torch_handoff.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "diff/diff_models.h"
#include "diff/diff_report.h"
#include "diff/torchscript_values.h"

namespace kiln::cli {

void add_diff(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "diff", "Find where two models (ONNX, or TorchScript against its export) start to disagree, tensor by tensor");
  auto o = std::make_shared<DiffOptions>();
  auto atol = std::make_shared<double>(-1), rtol = std::make_shared<double>(-1);
  auto specs = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>("text");
  auto out = std::make_shared<std::string>();
  cmd->add_option("reference", o->reference, "Reference model (.onnx, or a TorchScript .pt with --export-report)")
      ->required();
  cmd->add_option("target", o->target, "Model under test (.onnx)")->required();
  cmd->add_option("--export-report", o->export_report,
                  "A .pt reference: the report kiln export --report wrote (its value-to-tensor map)");
  cmd->add_option("--input", *specs,
                  "An input as NAME:DTYPE:DIMS (as kiln export takes it), once per input");
  cmd->add_option("--samples", o->samples, "Inputs to run, one at a time")->capture_default_str();
  cmd->add_option("--dataset", o->dataset,
                  "mnist, fashion-mnist or none: real images for half the samples when the model "
                  "takes one 1x1x28x28 image")
      ->capture_default_str();
  cmd->add_flag("--real-only", o->real_only,
                "With --dataset: every sample a real image, no random ones (for a calibrated INT8 "
                "target, whose input range random inputs exceed)");
  cmd->add_option("--max-mem", o->max_mem_mb,
                  "Memory bound in MB: intermediates are read in chunks that fit")
      ->capture_default_str();
  field_flag(cmd, "max_mem_mb", "--max-mem");
  cmd->add_option("--atol", *atol, "Tensor bound: max |Δ| ≤ atol + rtol·max|ref| (default per dtype)");
  cmd->add_option("--rtol", *rtol, "See --atol");
  cmd->add_option("--explain", o->explain,
                  "optimize / quantize-onnx / convert-fp16 report (JSON) that made the target: "
                  "name the pass or decision behind the first divergent node (repeatable)");
  cmd->add_option("--seed", o->seed, "Seed of the random inputs")->capture_default_str();
  cmd->add_option("--threads", o->threads, "ONNX Runtime intra-op threads (0: its default)")
      ->capture_default_str();
  cmd->add_option("--format", *format, "text, json or html")
      ->check(CLI::IsMember({"text", "json", "html"}))
      ->capture_default_str();
  cmd->add_option("--out", *out, "Write the report here (default: standard output)");
  cmd->callback([&run, o, atol, rtol, specs, format, out, cmd] {
    // A given tolerance is checked as given (negative or NaN refused, never taken for "not given").
    if (cmd->count("--atol")) o->atol = *atol;
    if (cmd->count("--rtol")) o->rtol = *rtol;
    run = [o, specs, format, out] {
      ensure_libtorch_for(o->reference);
      ensure_libtorch_for(o->target);
      o->inputs = parse_input_flags(*specs);
      DiffResult r = diff_models(*o, open_torchscript_values);
      std::string body = *format == "json"   ? record_text(r)
                         : *format == "html" ? diff_report_html(r)
                                             : diff_report_text(r);
      if (out->empty()) {
        std::fputs(body.c_str(), stdout);
      } else {
        write_file_atomic(*out, body);
        std::fputs(diff_report_text(r).c_str(), stdout);
      }
      // Like diff(1): 0 when the models agree, 1 when they part.
      return r.agree ? 0 : 1;
    };
  });
}

}  // namespace kiln::cli
