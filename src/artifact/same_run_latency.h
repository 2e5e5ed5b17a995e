#pragma once
// Batch-1 p50 latency of an ONNX model and of its reference (ONNX or TorchScript), measured
// interleaved in the same run: the only latency ratio that means something across machines.
#include <filesystem>

#include <vector>

#include "tensor/host_tensor.h"

namespace kiln {

struct SameRunLatency {
  double p50_ms = 0, reference_p50_ms = 0;
  double ratio() const { return p50_ms / reference_p50_ms; }
};

// `inputs`: one call's inputs (batch 1), fed to both models.
SameRunLatency measure_same_run_latency(const std::filesystem::path& model, const std::filesystem::path& reference,
                                        const std::vector<HostTensor>& inputs, int runs);

}  // namespace kiln
