#pragma once
// Library code names the Options field that holds a bad value (kiln::OptionError); the CLI, and
// only the CLI, says which flag set it.
#include <string>

#include <CLI/CLI.hpp>

#include "common/error.h"

namespace kiln::cli {

// Records that `field` of a command's Options is set by `flag` when the names differ
// (learning_rate ↔ --lr); fields named like their flag (train_limit ↔ --train-limit) need none.
void field_flag(CLI::App* command, const std::string& field, const std::string& flag);

// "--epochs must be at least 1": the chosen subcommand's flags for e.fields(), else e.what().
std::string flag_message(const CLI::App& app, const OptionError& e);

}  // namespace kiln::cli
