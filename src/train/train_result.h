#pragma once
// What `kiln train` did: the record written to OUT/train.json and returned to callers (the
// pipeline, freeze's provenance). No LibTorch in this header.
#include <cstdint>
#include <string>
#include <vector>

#include "common/json_record.h"

namespace kiln {

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0, train_accuracy = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EpochRecord, epoch, train_loss, train_accuracy)

struct NormalizationRecord {
  double mean = 0, std = 1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(NormalizationRecord, mean, std)

struct TrainResult {
  int schema_version = 1;
  std::string model, dataset;
  int epochs = 0;
  uint64_t seed = 0;
  int64_t batch_size = 0;
  double learning_rate = 0;
  std::string optimizer;
  int64_t train_samples = 0, test_samples = 0;
  double test_accuracy = 0;
  double train_seconds = 0;
  int threads = 0;
  NormalizationRecord normalization;
  std::vector<int64_t> input_shape;
  std::vector<EpochRecord> per_epoch;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainResult, schema_version, model, dataset, epochs, seed,
                                   batch_size, learning_rate, optimizer, train_samples,
                                   test_samples, test_accuracy, train_seconds, threads,
                                   normalization, input_shape, per_epoch)

}  // namespace kiln
