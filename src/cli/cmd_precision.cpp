#include <cstdio>

#include "cli/commands.h"
#include "cli/option_errors.h"
#include "precision/precision_study.h"

namespace kiln::cli {

void add_precision(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "precision", "FP32 vs BF16/FP16 autocast vs dynamic INT8: speed, size, accuracy");
  auto o = std::make_shared<PrecisionOptions>();
  cmd->add_option("model", o->model, "FP32 TorchScript model (.pt)")->required();
  cmd->add_option("--int8", o->int8,
                  "INT8 model from kiln quantize (default: quantize MODEL here)");
  cmd->add_option("--engine", o->engine, "Quantized engine: onednn or qnnpack")
      ->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "mnist, fashion-mnist or none")->capture_default_str();
  cmd->add_option("--samples", o->accuracy_samples, "Test samples for accuracy (0 = all)")
      ->capture_default_str();
  cmd->add_option("--runs", o->runs, "Timed runs per format and batch")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Warm-up runs")->capture_default_str();
  cmd->add_option("--batch", o->batches, "Batch sizes, comma-separated")->capture_default_str();
  field_flag(cmd, "batches", "--batch");
  cmd->add_option("--input-shape", o->input_shape, "Input shape (batch first)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "LibTorch intra-op threads (0 = default)")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Output folder")->required();
  cmd->callback([&run, o] {
    run = [o] {
      auto report = precision_study(*o);
      std::fputs(precision_markdown(report).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace kiln::cli
