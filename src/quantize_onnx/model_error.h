#pragma once
// How far a quantized model's first output is from the float model's on the same batches, with
// both run as a user runs them (ONNX Runtime, all graph optimizations: the int8 kernels).
#include <string>
#include <vector>

#include "compare/output_metrics.h"
#include "tensor/host_tensor.h"

namespace kiln {

using Batches = std::vector<std::vector<HostTensor>>;

// The first output of `model_bytes` on every batch.
std::vector<HostTensor> first_outputs(const std::string& model_bytes, const Batches& batches,
                                      int threads, const std::string& what);

// Error of `candidate_bytes` against `reference` (first_outputs of the float model).
OutputMetrics error_against(const std::string& candidate_bytes, const Batches& batches,
                            const std::vector<HostTensor>& reference, int threads,
                            const std::string& what);

}  // namespace kiln
