// `kiln pack`: the artifact a CI/CD pipeline gates on (kiln-torch: its reference may be
// TorchScript).
#include <cstdio>

#include "artifact/pack.h"
#include "cli/comma_items.h"
#include "cli/commands.h"
#include "cli/option_errors.h"

namespace kiln::cli {

void add_pack(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "pack",
      "Pack model_opt.onnx into a verified artifact folder (metadata, golden data, validate.py)");
  auto o = std::make_shared<PackOptions>();
  auto passes = std::make_shared<std::string>();
  cmd->add_option("--model", o->model, "The optimized ONNX model")->required();
  cmd->add_option("--reference", o->reference,
                  "The model it must stay equivalent to (.pt or .onnx)")
      ->required();
  cmd->add_option("--name", o->name, "model_name in metadata.yaml")->capture_default_str();
  cmd->add_option("--version", o->version, "version in metadata.yaml")->capture_default_str();
  cmd->add_option("--accuracy-samples", o->accuracy_samples,
                  "Measure accuracy on the first N test images (0: the whole test split)")
      ->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "mnist, fashion-mnist or none (accuracy, golden images)")
      ->capture_default_str();
  auto* given = cmd->add_option("--optimization", *passes,
                                "Passes applied, comma-separated (as recorded by kiln optimize)");
  cmd->add_option(
         "--optimize-report", o->optimize_report,
         "kiln optimize's --report: record the passes that rewrote the model, in order, from it")
      ->excludes(given);
  cmd->add_option("--calibration", o->calibration,
                  "Static INT8 calibration (method, samples), recorded as given");
  cmd->add_option("--quantize-report", o->quantize_report,
                  "kiln quantize-onnx's --report: record the INT8 plan (nodes kept float and why)");
  cmd->add_option("--fp16-report", o->fp16_report,
                  "kiln convert-fp16's --report: record the nodes kept FP32 and why");
  auto specs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--input", *specs,
                  "An input as NAME:DTYPE:DIMS[:LO..HI] (as kiln export takes it), once per input: the random golden set "
                  "and the latency inputs are drawn from the specs (default: read from the model)");
  cmd->add_option("--golden-data", o->golden_data,
                  "A folder of batches (.npz with a member per input, or .pb for one input) whose first samples become a "
                  "golden set of real data");
  cmd->add_option("--golden-samples", o->golden_samples, "Samples of --golden-data to keep")->capture_default_str();
  cmd->add_option("--eval", o->eval,
                  "A folder of evaluation batches (.npz; with a 'labels' member: top-1 accuracy, without: agreement with "
                  "the reference), recorded in metadata.yaml");
  cmd->add_option("--eval-samples", o->eval_samples, "Samples of --eval to use (0: all)")->capture_default_str();
  cmd->add_option("--description", o->description, "The model card's intended use");
  cmd->add_option("--max-mae", o->max_mae, "Equivalence bound verified before packing")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Artifact folder")->capture_default_str();
  cmd->add_flag("--git-commit", o->git_commit,
                "Commit the folder with the seminar's message (only when valid)");
  field_flag(cmd, "inputs", "--input");
  field_flag(cmd, "golden_samples", "--golden-samples");
  field_flag(cmd, "eval_samples", "--eval-samples");
  cmd->callback([&run, o, passes, specs] {
    run = [o, passes, specs] {
      o->optimization = comma_items(*passes);
      o->inputs = parse_input_flags(*specs);
      for (auto* report : {&o->optimize_report, &o->quantize_report, &o->fp16_report})
        if (*report && (*report)->empty()) report->reset();
      PackResult r = pack_artifact(*o);
      std::printf("packed %s: E = %.3g ≤ %g, latency p50 %.3f ms, validation %s\n", r.out.c_str(),
                  r.equivalence_measured, r.equivalence_bound, r.latency_ms,
                  r.validation.passed ? "passed" : "FAILED");
      if (r.git) std::printf("committed %s: %s\n", r.git->commit.c_str(), r.git->message.c_str());
      return 0;
    };
  });
}

}  // namespace kiln::cli
