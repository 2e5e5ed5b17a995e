// `--input NAME:DTYPE:DIMS`, shared by export, compare and bench.
#include <fmt/format.h>

#include "cli/commands.h"
#include "common/error.h"

namespace kiln::cli {

std::vector<InputSpec> parse_input_flags(const std::vector<std::string>& flags) {
  std::vector<InputSpec> specs;
  for (const auto& f : flags) {
    try {
      specs.push_back(parse_input_spec(f));
    } catch (const Error& e) {
      throw UsageError(fmt::format("--input: {}", e.what()));
    }
  }
  return specs;
}

}  // namespace kiln::cli
