#pragma once
// Top-1 accuracy of a classifier on a labelled dataset split, batch by batch.
#include <cstdint>
#include <functional>

#include <nlohmann/json.hpp>

#include "data/dataset.h"
#include "kiln/bench.h"
#include "tensor/host_tensor.h"

namespace kiln {

// Accuracy: the public kiln/bench.h.

// Rows of `logits` (N×K, any floating dtype) whose arg-max equals the label. Throws kiln::Error
// when the output is not N×K for the N labels given.
int64_t count_top1_correct(const HostTensor& logits, const uint8_t* labels, int64_t count);

// Runs `infer` over the first `limit` samples (all when limit ≤ 0) in batches of `batch`.
Accuracy top1_accuracy(const Dataset& test, int64_t limit, int64_t batch,
                       const std::function<HostTensor(const HostTensor&)>& infer);

}  // namespace kiln
