#pragma once
// What the export's verdict consults when an output misses its bound (export/verify_outputs.h),
// computed with LibTorch: the model run in float64, and a quantized model run with LibTorch's
// other int8 engine. Called in the exporter's process, or by `kiln-torch export-oracle` for the
// LibTorch-free `kiln` that finishes a handed-over verification. The header names no LibTorch
// type (but for verification_tensor's forward-declared one); the functions are in kiln-torch only.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "export/verify_outputs.h"
#include "tensor/host_tensor.h"

namespace at {
class Tensor;
}  // namespace at

namespace kiln {

// A LibTorch output as the verdict compares it: a quantized tensor dequantized, a complex one as
// its real pairs (ONNX has no complex outputs).
HostTensor verification_tensor(const at::Tensor& t, std::string name);

// The model run in float64 on every case's inputs, for telling an export's error from float32
// rounding that a deep network amplifies: loaded again, its weights kept float32 and cast one at
// a time where used (Float64Model). Per case: nullopt when the model cannot run in float64 (a
// dtype written into its graph, a quantized model) or gives another number of outputs.
std::vector<std::optional<std::vector<HostTensor>>> float64_outputs(
    const std::filesystem::path& model, const std::vector<VerificationCase>& cases);

// The quantized model run with another of LibTorch's int8 engines than `reference_engine` (ONEDNN
// when the reference ran QNNPACK) on the case's inputs, outputs dequantized; nullopt when this
// LibTorch has no other engine or it cannot run the model (QNNPACK has no 3-d kernels). The
// engine is process-wide and weights are prepacked at load: the model is loaded again under it
// and the process's engine is restored on every path.
std::optional<EngineRun> other_engine_outputs(const std::filesystem::path& model,
                                              const VerificationCase& c,
                                              const std::string& reference_engine);

// The int8 engine LibTorch runs quantized ops with now ("QNNPACK").
std::string quantized_engine_name();

}  // namespace kiln
