#include "bench/accuracy.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/error.h"
#include "data/dataset_batch.h"

namespace kiln {

nlohmann::json Accuracy::to_json() const {
  return {{"samples", samples}, {"correct", correct}, {"top1", value()}};
}

int64_t count_top1_correct(const HostTensor& logits, const uint8_t* labels, int64_t count) {
  if (logits.shape.size() != 2 || logits.shape[0] != count || logits.shape[1] < 1) {
    throw Error(fmt::format("accuracy needs an output of {}xK class scores, the model gives {}",
                            count, logits.shape.empty() ? "a scalar" : format_shape(logits.shape)));
  }
  int64_t k = logits.shape[1], correct = 0;
  for (int64_t r = 0; r < count; ++r) {
    int64_t best = 0;
    for (int64_t c = 1; c < k; ++c)
      if (logits.at(r * k + c) > logits.at(r * k + best)) best = c;
    correct += best == labels[r];
  }
  return correct;
}

Accuracy top1_accuracy(const Dataset& test, int64_t limit, int64_t batch,
                       const std::function<HostTensor(const HostTensor&)>& infer) {
  if (batch < 1) throw Error("accuracy batch must be at least 1");
  int64_t n = limit > 0 ? std::min(limit, test.count) : test.count;
  Accuracy a;
  for (int64_t s = 0; s < n; s += batch) {
    int64_t c = std::min(batch, n - s);
    a.correct += count_top1_correct(infer(dataset_batch(test, s, c)), test.labels.data() + s, c);
    a.samples += c;
  }
  return a;
}

}  // namespace kiln
