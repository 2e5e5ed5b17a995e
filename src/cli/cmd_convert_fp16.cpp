#include <cstdio>
#include <sstream>

#include "cli/commands.h"
#include "cli/option_errors.h"
#include "fp16/convert_fp16_file.h"

namespace kiln::cli {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

}  // namespace

void add_convert_fp16(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "convert-fp16",
      "Convert an ONNX model to FP16, keeping FP32 the nodes FP16 would break (measured with "
      "--calibrate), and verify it against the FP32 model");
  auto o = std::make_shared<ConvertFp16Options>();
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto report = std::make_shared<std::string>();
  auto block_ops = std::make_shared<std::string>();
  auto block_nodes = std::make_shared<std::string>();
  cmd->add_option("model", *input, "FP32 ONNX model (IN.onnx)");
  cmd->add_option("-o,--out", *output, "Where to write the FP16 model (OUT.onnx)");
  cmd->add_flag("--keep-io-types", o->keep_io_types,
                "Keep float32 inputs and outputs (Casts inside the model)");
  cmd->add_option("--block-ops", *block_ops, "Comma-separated op types to keep FP32");
  cmd->add_option("--block-nodes", *block_nodes, "Comma-separated node names to keep FP32");
  cmd->add_flag("--allow-unsafe-ops", o->allow_unsafe_ops,
                "Convert Exp, Pow and long reductions too (kept FP32 by default)");
  cmd->add_option("--calibrate", o->calibrate,
                  "Data to measure every tensor's range: mnist, fashion-mnist (training split) or "
                  "a folder of batches (.npz with a member per input, or .pb for one input); with a dataset, also "
                  "the test-split accuracy");
  auto specs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--input", *specs,
                  "Without --calibrate: the inputs' specs (NAME:DTYPE:DIMS[:LO..HI], as kiln export takes them) the "
                  "random verification inputs are drawn from");
  cmd->add_option("--calib-samples", o->calib_samples, "Calibration samples")
      ->capture_default_str();
  cmd->add_option("--eval-samples", o->eval_samples,
                  "Test-split samples for the accuracy check (0: all)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "ONNX Runtime intra-op threads (0: its default)")
      ->capture_default_str();
  cmd->add_option("--report", *report, "Write the report as JSON to this file");
  field_flag(cmd, "input", "IN.onnx");
  field_flag(cmd, "output", "--out");
  field_flag(cmd, "inputs", "--input");
  cmd->callback([&run, o, input, output, report, block_ops, block_nodes, specs] {
    run = [=] {
      o->input = *input;
      o->inputs = parse_input_flags(*specs);
      o->output = *output;
      if (!block_ops->empty()) o->block_ops = split_list(*block_ops);
      if (!block_nodes->empty()) o->block_nodes = split_list(*block_nodes);
      if (!report->empty()) o->report = *report;
      auto result = convert_fp16_file(*o);
      std::fputs(format_fp16_report(result).c_str(), stdout);
      std::printf("wrote %s\n", o->output.string().c_str());
      return 0;
    };
  });
}

}  // namespace kiln::cli
