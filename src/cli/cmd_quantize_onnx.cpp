#include <cstdio>

#include "cli/comma_items.h"
#include "cli/commands.h"
#include "cli/option_errors.h"
#include "common/error.h"
#include "quantize_onnx/quantize_onnx_file.h"

namespace kiln::cli {

void add_quantize_onnx(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "quantize-onnx", "INT8 quantization of an ONNX model: static (calibrated, QDQ) or dynamic");
  auto o = std::make_shared<QuantizeOnnxOptions>();
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto report = std::make_shared<std::string>();
  auto mode = std::make_shared<std::string>("static");
  auto format = std::make_shared<std::string>("qdq");
  auto method = std::make_shared<std::string>("minmax");
  auto exclude = std::make_shared<std::string>();
  auto markdown = std::make_shared<bool>(false);
  auto no_sensitivity = std::make_shared<bool>(false);
  auto no_padding = std::make_shared<bool>(false);
  cmd->add_option("model", *input, "Float ONNX model (IN.onnx)");
  cmd->add_option("-o,--out", *output, "Where to write the quantized model (OUT.onnx)");
  cmd->add_option("--mode", *mode, "static (calibrated activations) or dynamic (weights only)")
      ->capture_default_str();
  cmd->add_option("--calibrate", o->calibrate,
                  "Calibration data: mnist, fashion-mnist (training split) or a folder of batches: .npz with a "
                  "member per model input, or .pb tensors for a single-input model");
  cmd->add_option("--calib-samples", o->calib_samples, "Calibration samples")
      ->capture_default_str();
  cmd->add_option("--method", *method, "Activation ranges: minmax, percentile or entropy")
      ->capture_default_str();
  cmd->add_option("--percentile", o->calibration.percentile,
                  "Percentile of |x| kept by --method percentile")
      ->capture_default_str();
  cmd->add_flag("--per-channel,!--per-tensor", o->per_channel,
                "Conv weights with one scale per output channel (default) or one per tensor");
  cmd->add_option("--format", *format, "qdq (QuantizeLinear/DequantizeLinear) or qoperator")
      ->capture_default_str();
  cmd->add_option("--exclude", *exclude, "Comma-separated node names to keep in float");
  cmd->add_flag("--no-channel-padding", *no_padding,
                "Quantize a Conv with 1-3 input channels as it is, without padding its input to 4 "
                "channels (the padding makes ONNX Runtime's int8 Conv several times faster there)");
  cmd->add_flag("--no-sensitivity", *no_sensitivity, "Skip the per-layer sensitivity analysis");
  auto no_preoptimize = std::make_shared<bool>(false);
  cmd->add_flag("--no-preoptimize", *no_preoptimize,
                "Quantize the model as given, without kiln's default verified passes first "
                "(BatchNormalization folding lets Conv run as one INT8 kernel)");
  auto budget = std::make_shared<double>(-1);
  cmd->add_option("--accuracy-budget", *budget,
                  "Static mode: largest top-1 accuracy drop (percentage points) on a held-out "
                  "slice; the most sensitive nodes stay float until it holds");
  cmd->add_option("--holdout-samples", o->holdout_samples,
                  "With --accuracy-budget: the last N training samples, never calibrated on")
      ->capture_default_str();
  cmd->add_option("--eval-samples", o->eval_samples,
                  "Test-split samples for the accuracy check (0: all)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "ONNX Runtime intra-op threads (0: its default)")
      ->capture_default_str();
  cmd->add_option("--report", *report, "Write the report as JSON to this file");
  cmd->add_flag("--markdown", *markdown, "Print the report tables as Markdown");
  field_flag(cmd, "input", "IN.onnx");
  field_flag(cmd, "output", "--out");
  field_flag(cmd, "calibration.percentile", "--percentile");
  field_flag(cmd, "accuracy_budget_pp", "--accuracy-budget");
  cmd->callback([&run, o, input, output, report, mode, format, method, exclude, markdown,
                 no_sensitivity, no_padding, no_preoptimize, budget, cmd] {
    run = [=] {
      o->input = *input;
      o->output = *output;
      o->mode = parse_quantize_mode(*mode);
      o->format = parse_quant_format(*format);
      o->calibration.method = parse_calibration_method(*method);
      o->exclude = comma_items(*exclude);
      o->sensitivity = !*no_sensitivity;
      o->pad_channels = !*no_padding;
      o->preoptimize = !*no_preoptimize;
      if (cmd->count("--accuracy-budget")) o->accuracy_budget_pp = *budget;
      if (!report->empty()) o->report = *report;
      auto result = quantize_onnx_file(*o);
      std::fputs(format_quantize_report(result, *markdown).c_str(), stdout);
      std::printf("wrote %s\n", o->output.string().c_str());
      return 0;
    };
  });
}

}  // namespace kiln::cli
