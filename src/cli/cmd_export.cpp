#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/process_memory.h"
#include "cli/torch_handoff.h"
#include "export/export_options.h"
#include "export/verification_handoff.h"
#include "export/verification_oracles.h"
#include "torchscript/op_libraries.h"

namespace kiln::cli {

void add_export(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("export", "Export a TorchScript model to ONNX (checked, verified in ONNX Runtime, written atomically)");
  auto o = std::make_shared<ExportOptions>();
  auto list = std::make_shared<bool>(false);
  auto json = std::make_shared<std::string>();
  auto specs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("model", o->model, "TorchScript model (.pt)");
  cmd->add_option("--input", *specs,
                  "An input as NAME:DTYPE:DIMS[:LO..HI], once per input in forward's order; DTYPE "
                  "float32|float16|float64|int64|int32|int16|int8|uint8|bool; each dim N (static), SYMBOL=N (dynamic, "
                  "example size N, verified again at 2N) or SYMBOL=N/M (verified again at M); LO..HI the range example "
                  "values are drawn from, e.g. tokens:int64:batch=2xseq=16:0..30000");
  cmd->add_option("--input-shape", o->input_shape, "Shape of a single float32 input (dim 0 becomes the symbolic batch axis)")
      ->capture_default_str();
  cmd->add_option("--opset", o->opset, fmt::format("ONNX opset ({}–{})", kMinOpset, kMaxOpset))->capture_default_str();
  cmd->add_option("--input-name", o->input_name, "Name of the graph input (with --input-shape)")->capture_default_str();
  cmd->add_option("--output-name", o->output_name, "Name of a single output; tuple outputs are NAME_0, NAME_1, ...")
      ->capture_default_str();
  cmd->add_flag("--static-batch", o->static_batch, "With --input-shape: keep the batch dimension fixed");
  auto tolerance = std::make_shared<double>(-1);
  cmd->add_option("--verify-tolerance", *tolerance,
                  "Largest relative mean abs error per output between ONNX Runtime and LibTorch (default 1e-4; 2e-2 "
                  "for a dynamically quantized model)");
  cmd->add_option("-o,--out", o->out, "Output .onnx file");
  cmd->add_option("--example", o->example,
                  "Example inputs to export and verify with instead of random values: a torch.save file (tensor, tuple/list, or "
                  "dict by input name) or .npz/.npy; dynamic dims take their example size from it, the second size is the "
                  "example tiled");
  cmd->add_option("--second-example", o->second_example,
                  "With --example: the inputs at the second verification size (same kinds of file), instead of the example "
                  "tiled; each dynamic dim takes its second size from it");
  cmd->add_option("--ops-library", o->ops_libraries,
                  "A shared library that registers TorchScript ops the model calls (repeatable; like torch.ops.load_library). "
                  "torchvision's is loaded by itself when installed");
  cmd->add_flag("--keep-batch-norm", o->keep_batch_norm,
                "Keep each BatchNormalization as its own node (by default one right after a Conv is folded into the Conv's "
                "weights, as torch.onnx does in eval mode)");
  cmd->add_flag("--check", o->check_only, "Write nothing: list every unsupported op (count, first place); exit 1 if any");
  cmd->add_option("--report", *json, "Also write the export report as JSON here");
  cmd->add_flag("--list-ops", *list, "Print the TorchScript ops kiln converts and what they become (with --report FILE: as JSON too)");
  cmd->callback([&run, o, list, json, specs, tolerance, cmd] {
    run = [o, list, json, specs, tolerance, cmd] {
      if (cmd->count("--verify-tolerance")) o->verify_tolerance = *tolerance;  // NaN/≤ 0 refused
      if (*list) {
        auto ops = supported_ops();
        if (!json->empty()) write_file_atomic(*json, nlohmann::json(ops).dump(2) + "\n");
        std::fputs(supported_ops_text(ops).c_str(), stdout);
        return 0;
      }
      if (o->model.empty())
        throw UsageError("a model is required: kiln export MODEL.pt -o model.onnx");
      if (o->out.empty() && !o->check_only) throw UsageError("-o/--out is required (or --check)");
      o->inputs = parse_input_flags(*specs);
      // The model and the report land together or not at all (issue 33: an unwritable --report
      // failed after -o was written): both get their temporaries first, the exporter writes the
      // model's, and both are renamed into place once the report is written too.
      FileSet outputs;
      ExportOptions run_options = *o;
      if (!o->check_only && !json->empty()) {
        if (std::filesystem::weakly_canonical(*json) == std::filesystem::weakly_canonical(o->out))
          throw UsageError("--report is the -o/--out path: give another file");
        run_options.out = outputs.reserve(o->out);
        outputs.reserve(*json);
      }
      // The verification runs in the LibTorch-free kiln when there is one (export/
      // verification_handoff.h): it prints the report and renames the files into place.
      VerificationHandOver hand_over;
      if (!o->check_only && !kiln_front_executable().empty()) {
        hand_over = [&outputs, json, o](VerificationHandoff&& h, const std::filesystem::path& dir) {
          h.result.onnx = std::filesystem::absolute(o->out).string();
          for (auto& f : outputs.release()) h.files.push_back(std::move(f));
          h.report = *json;
          hand_over_verification(std::move(h), dir);
        };
      }
      ExportResult result;
      try {
        result = export_onnx(run_options, hand_over);
      } catch (const UsageError& e) {
        throw UsageError(fmt::format("{} (see kiln export --help)", e.what()));
      }
      if (run_options.out != o->out) result.onnx = std::filesystem::absolute(o->out).string();
      nlohmann::json j = result;
      if (!json->empty()) outputs.write(*json, j.dump(2) + "\n");
      outputs.commit();
      std::fputs(export_report_text(result).c_str(), stdout);
      return result.check_only && !result.unsupported.empty() ? 1 : 0;
    };
  });
}

// `kiln-torch export-oracle DIR`: the model run in float64 on every case of the handoff in DIR
// (export/verification_oracles.h), for the LibTorch-free `kiln export-verify` whose verdict
// consults it, written back beside the handoff. Internal: not in --help.
void add_export_oracle(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("export-oracle", "internal: the float64 oracle for a handed-over export verification");
  cmd->group("");
  auto dir = std::make_shared<std::filesystem::path>();
  cmd->add_option("handoff", *dir, "The handoff folder")->required();
  cmd->callback([&run, dir] {
    run = [dir] {
      VerificationHandoff h = read_handoff(*dir);
      load_op_libraries(h.options.ops_libraries);
      auto outputs = float64_outputs(h.options.model, h.cases);
      trace_memory("float64 oracle (kiln-torch child)");
      write_float64_outputs(*dir, outputs);
      return 0;
    };
  });
}

}  // namespace kiln::cli
