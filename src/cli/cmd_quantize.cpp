#include <cstdio>

#include "cli/commands.h"
#include "quantize/dynamic_quantize.h"

namespace kiln::cli {

void add_quantize(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("quantize", "Dynamic INT8 quantization of every Linear layer of a TorchScript model");
  auto o = std::make_shared<QuantizeOptions>();
  cmd->add_option("model", o->model, "TorchScript model (.pt, FP32)")->required();
  cmd->add_option("-o,--out", o->out, "Output .pt (INT8)")->required();
  cmd->add_option("--engine", o->engine, "Quantized kernels: onednn or qnnpack")->capture_default_str();
  cmd->add_flag("--per-channel", o->per_channel, "One weight scale per output channel");
  cmd->callback([&run, o] {
    run = [o] {
      std::fputs(quantize_report_text(quantize_dynamic(*o)).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace kiln::cli
