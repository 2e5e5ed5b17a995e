#pragma once
// Where two models part: in the target's topological order, the first compared tensor that
// diverges while every compared tensor it is computed from stays within its tolerance. The walk
// back from a node passes through target nodes with no reference counterpart (Q/DQ, Casts) and
// stops at compared tensors, constants and graph inputs.
#include <optional>
#include <vector>

#include <onnx/onnx_pb.h>

#include "diff/diff_result.h"
#include "diff/tensor_match.h"

namespace kiln {

// `records[i]` holds the statistics of `pairs[i]`. The index of the pair found is returned through
// `pair_index` (when not null).
std::optional<FirstDivergentRecord> find_first_divergent(const onnx::GraphProto& target,
                                                         const std::vector<TensorPair>& pairs,
                                                         const std::vector<TensorDiffRecord>& records,
                                                         size_t* pair_index = nullptr);

}  // namespace kiln
