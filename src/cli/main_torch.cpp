// kiln-torch: every kiln command, LibTorch loaded. `kiln` (main.cpp) starts it for the commands
// that train, freeze, export, quantize or run TorchScript; it also runs on its own.
#include "cli/app.h"
#include "cli/torch_handoff.h"
#include "common/allocator_tuning.h"
#include "common/process_env.h"

int main(int argc, char** argv) {
  kiln::ensure_thread_environment(argc, argv);
  kiln::tune_allocator_for_tensors(kiln::kTorchHeapBlock);
  kiln::cli::remember_command_line(argc, argv);
  kiln::cli::set_libtorch_in_process();
  using namespace kiln::cli;
  static const std::vector<AddCommand> all{
      add_doctor,    add_data, add_train,    add_freeze,   add_optimize,      add_export,
      add_compare,   add_diff, add_bench,    add_quantize, add_quantize_onnx, add_convert_fp16,
      add_precision, add_pack, add_validate, add_pipeline, add_export_verify, add_export_oracle,
  };
  return run_app(argc, argv, all);
}
