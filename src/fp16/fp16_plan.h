#pragma once
// Which nodes of a float model stay FP32 when the rest becomes FP16, and why. A node stays FP32
// when FP16 cannot represent what it computes (a tensor it reads or writes exceeds 65504, or most
// of its small values would flush to zero — measured with calibration data), when the op is
// numerically risky in FP16 by nature (Exp and Pow overflow, long reductions lose or overflow
// their sums) unless the user allows it, when the op's FP16 form is not type-generic (scales
// that must stay float, random generators, quantization), or when the user says so.
#include <map>
#include <string>
#include <vector>

#include "fp16/activation_stats.h"
#include "onnx/graph_view.h"

namespace kiln {

struct Fp16PlanOptions {
  std::vector<std::string> block_ops;    // op types kept FP32 (--block-ops)
  std::vector<std::string> block_nodes;  // node names kept FP32 (--block-nodes)
  bool allow_unsafe_ops = false;         // convert Exp, Pow and long reductions too
};

// Reductions over more elements than this stay FP32 unless allowed: an FP16 sum of 4096 values
// of order 16 already reaches 65504, and each addition keeps only 11 significant bits.
inline constexpr int64_t kFp16LongReduction = 4096;
// A tensor whose nonzero values flush to zero in FP16 more often than this keeps its nodes FP32.
inline constexpr double kFp16FlushedShare = 0.01;

// Node index (main graph) → why it stays FP32. `stats`: measured tensors (activations and float
// initializers); may be empty. Throws kiln::UsageError for a --block-nodes name that no node has.
std::map<int, std::string> plan_fp16(const GraphView& view, const Fp16PlanOptions& options,
                                     const std::map<std::string, ActivationStats>& stats);

}  // namespace kiln
