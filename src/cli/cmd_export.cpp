#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "export/export_options.h"

namespace kiln::cli {

void add_export(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("export", "Export a TorchScript model to ONNX (checked, written atomically)");
  auto o = std::make_shared<ExportOptions>();
  auto list = std::make_shared<bool>(false);
  auto json = std::make_shared<std::string>();
  cmd->add_option("model", o->model, "TorchScript model (.pt)");
  cmd->add_option("--input-shape", o->input_shape, "Example input shape; dim 0 becomes the symbolic batch axis")->capture_default_str();
  cmd->add_option("--opset", o->opset, fmt::format("ONNX opset ({}–{})", kMinOpset, kMaxOpset))->capture_default_str();
  cmd->add_option("--input-name", o->input_name, "Name of the graph input")->capture_default_str();
  cmd->add_option("--output-name", o->output_name, "Name of the graph output")->capture_default_str();
  cmd->add_flag("--static-batch", o->static_batch, "Keep the batch dimension fixed instead of symbolic");
  cmd->add_option("-o,--out", o->out, "Output .onnx file");
  cmd->add_option("--report", *json, "Also write the export report as JSON here");
  cmd->add_flag("--list-ops", *list, "Print the TorchScript ops kiln converts and what they become");
  cmd->callback([&run, o, list, json] {
    run = [o, list, json] {
      if (*list) {
        for (const auto& [op, onnx] : supported_ops()) std::printf("%-34s %s\n", op.c_str(), onnx.c_str());
        return 0;
      }
      if (o->model.empty()) throw UsageError("a model is required: kiln export MODEL.pt -o model.onnx");
      auto report = export_onnx(*o);
      if (!json->empty()) write_file_atomic(*json, report.dump(2) + "\n");
      std::fputs(export_report_text(report).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace kiln::cli
