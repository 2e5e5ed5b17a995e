#pragma once
// One file per subcommand: each adds its options to the app and, when chosen, sets `run` to a
// closure that calls the library function. The CLI stays thin; tests call the library directly.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "runtime/input_spec.h"

namespace kiln::cli {

using Runner = std::function<int()>;

void add_doctor(CLI::App& app, Runner& run);
void add_data(CLI::App& app, Runner& run);
void add_train(CLI::App& app, Runner& run);
void add_freeze(CLI::App& app, Runner& run);
void add_optimize(CLI::App& app, Runner& run);
void add_export(CLI::App& app, Runner& run);
void add_export_verify(CLI::App& app, Runner& run);  // internal
void add_export_oracle(CLI::App& app, Runner& run);  // internal, kiln-torch
void add_compare(CLI::App& app, Runner& run);
void add_diff(CLI::App& app, Runner& run);
void add_bench(CLI::App& app, Runner& run);
void add_quantize(CLI::App& app, Runner& run);
void add_quantize_onnx(CLI::App& app, Runner& run);
void add_convert_fp16(CLI::App& app, Runner& run);
void add_precision(CLI::App& app, Runner& run);
void add_pack(CLI::App& app, Runner& run);
void add_validate(CLI::App& app, Runner& run);
void add_pipeline(CLI::App& app, Runner& run);

// The `--input NAME:DTYPE:DIMS` flags of export, compare and bench; a bad spec is a usage error
// that names the flag.
std::vector<InputSpec> parse_input_flags(const std::vector<std::string>& flags);

}  // namespace kiln::cli
