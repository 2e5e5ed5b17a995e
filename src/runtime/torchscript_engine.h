#pragma once
// The seam between kiln_core and LibTorch. Core code that may meet a TorchScript file (open_model,
// the same-run latency of `kiln validate`, `kiln diff`'s reference values) calls these; which
// definition it gets is chosen at link time, so kiln_core never names a LibTorch symbol:
//   torchscript_engine.cpp       (kiln_torch_engine) — the real ones, for kiln-torch and the
//                                 integration tests;
//   torchscript_unavailable.cpp  (kiln_no_torch) — one-line errors, for the LibTorch-free `kiln`
//                                 and the unit tests. That `kiln` hands a command that names a
//                                 TorchScript file to kiln-torch before it gets here
//                                 (cli/torch_handoff.h).
#include <filesystem>
#include <memory>

#include "bench/bench_target.h"
#include "runtime/model_runner.h"

namespace kiln {

std::unique_ptr<ModelRunner> open_torchscript_runner(const std::filesystem::path& path);
std::unique_ptr<BenchTarget> open_torchscript_bench_target(const std::filesystem::path& path);

}  // namespace kiln
