// `kiln pack` and `kiln validate`: the artifact a CI/CD pipeline gates on.
#include <cstdio>

#include <fmt/format.h>

#include "artifact/pack.h"
#include "artifact/validate.h"
#include "artifact/artifact_layout.h"
#include "cli/commands.h"
#include "common/error.h"

namespace kiln::cli {

namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

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
  cmd->add_option("--max-mae", o->max_mae, "Equivalence bound verified before packing")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Artifact folder")->capture_default_str();
  cmd->add_flag("--git-commit", o->git_commit,
                "Commit the folder with the seminar's message (only when valid)");
  cmd->callback([&run, o, passes] {
    run = [o, passes] {
      o->optimization = split_commas(*passes);
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

void add_validate(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "validate", "Check an artifact: hashes, schema, checker, golden outputs, budgets");
  auto o = std::make_shared<ValidateOptions>();
  auto mae = std::make_shared<double>(-1), drop = std::make_shared<double>(-1),
       ratio = std::make_shared<double>(-1);
  cmd->add_option("artifact", o->artifact, "Artifact folder")->required();
  cmd->add_option("--reference", o->reference,
                  "Re-check equivalence against this model (.pt or .onnx)");
  cmd->add_option("--max-mae", *mae, "Equivalence bound (default: the one in metadata.yaml)");
  cmd->add_option("--max-accuracy-drop", *drop, "Accuracy budget in percentage points");
  cmd->add_option("--max-latency-ratio", *ratio,
                  "Budget for artifact p50 / reference p50 (same run; needs --reference)");
  cmd->add_option("--junit", o->junit, "Write a JUnit XML report here");
  cmd->callback([&run, o, mae, drop, ratio] {
    run = [o, mae, drop, ratio] {
      if (*mae >= 0) o->max_mae = *mae;
      if (*drop >= 0) o->max_accuracy_drop = *drop;
      if (*ratio >= 0) o->max_latency_ratio = *ratio;
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
                              o->reference.extension() == ".onnx" ? o->reference.string() : std::string("MODEL.onnx"),
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
