#pragma once
// How the LibTorch-free `kiln` runs what needs LibTorch (docs/architecture.md, "Two binaries"):
// it re-executes the whole command line as kiln-torch, the binary beside it that has every command.
// kiln-torch marks itself with set_libtorch_in_process(), which turns ensure_libtorch_for into a
// no-op there.
#include <filesystem>

#include "export/verification_handoff.h"

namespace kiln::cli {

// main() saves its arguments here first: a hand-off passes them on unchanged.
void remember_command_line(int argc, char** argv);

void set_libtorch_in_process();

// Replaces this process with kiln-torch on the same arguments, its thread environment set (so
// kiln-torch's libraries load with it and it need not re-execute itself). Returns only by
// throwing, when kiln-torch cannot be started.
[[noreturn]] void hand_off_to_libtorch();

// Hands off when `model` is a TorchScript file and this process has no LibTorch.
void ensure_libtorch_for(const std::filesystem::path& model);

// kiln-torch beside this executable (a build folder) or under ../libexec/kiln/ (installed).
std::filesystem::path kiln_torch_executable();
// The LibTorch-free `kiln` for a kiln-torch: beside it, or ../../bin/kiln from libexec/kiln/;
// empty when there is none (kiln-torch built or installed alone).
std::filesystem::path kiln_front_executable();

// kiln-torch's export hands its verification to `kiln export-verify` (export/verification_handoff.h):
// writes the handoff into `dir` (make_handoff_folder) and replaces this process with the front.
// Returns only by throwing, after removing the folder and the handoff's temporaries.
[[noreturn]] void hand_over_verification(VerificationHandoff&& handoff, const std::filesystem::path& dir);

}  // namespace kiln::cli
