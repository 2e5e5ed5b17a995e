#pragma once
// The CLI11 app both binaries run: `kiln` (the LibTorch-free front) with core_commands(), and
// kiln-torch with every command. Parses, runs the chosen command and turns errors into one line.
#include <vector>

#include "cli/commands.h"

namespace kiln::cli {

using AddCommand = void (*)(CLI::App&, Runner&);

// The commands that need no LibTorch unless a TorchScript file is named (cli/torch_handoff.h).
const std::vector<AddCommand>& core_commands();
// True when `word` names one of them.
bool is_core_command(const char* word);

int run_app(int argc, char** argv, const std::vector<AddCommand>& commands);

}  // namespace kiln::cli
