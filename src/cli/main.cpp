// kiln: PyTorch model → verified, optimized, benchmarked ONNX artifact. Entry point of the
// LibTorch-free front: it runs the commands that need only ONNX and ONNX Runtime itself (no
// LibTorch loaded: `kiln validate` answers in a fraction of a second) and hands everything else —
// the LibTorch commands, a TorchScript file given to compare/diff/validate, --help, unknown
// words — to kiln-torch beside it (cli/torch_handoff.h).
#include <cstdio>
#include <cstring>
#include <exception>

#include "cli/app.h"
#include "cli/torch_handoff.h"
#include "common/allocator_tuning.h"

int main(int argc, char** argv) {
  kiln::cli::remember_command_line(argc, argv);
  try {
    const bool version = argc == 2 && std::strcmp(argv[1], "--version") == 0;
    if (!version && (argc < 2 || !kiln::cli::is_core_command(argv[1])))
      kiln::cli::hand_off_to_libtorch();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln: error: %s\n", e.what());
    return 1;
  }
  kiln::tune_allocator_for_tensors(kiln::kCoreHeapBlock);
  return kiln::cli::run_app(argc, argv, kiln::cli::core_commands());
}
