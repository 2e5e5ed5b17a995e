#pragma once
// Floating-point work per sample of an ONNX model (2 × multiply-accumulates of Conv, Gemm,
// MatMul and their integer/QLinear forms), from ONNX shape inference with batch 1. It turns a
// latency into GFLOP/s, comparable with the machine's measured sgemm rate.
#include <filesystem>
#include <optional>

namespace kiln {

// nullopt when the file is not ONNX or shapes cannot be inferred.
std::optional<double> onnx_flops_per_sample(const std::filesystem::path& path);

}  // namespace kiln
