#pragma once
// `kiln train`: trains a built-in model on MNIST or Fashion-MNIST, deterministically for a seed,
// and writes weights.pt + train.json into the output folder. No LibTorch in this header.
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/json_record.h"
#include "train/train_result.h"

namespace kiln {

struct TrainOptions {
  std::string model = "simple_cnn";
  std::string dataset = "mnist";
  int epochs = 4;  // simple_cnn: 99.22% (AVX-512) / 99.27% (AVX2 kernels) after 4 (bench/RESULTS.md)
  uint64_t seed = 42;
  int64_t train_limit = 0;  // 0 = the whole training split
  int64_t test_limit = 0;   // accuracy on the first N test images; 0 = the whole test split
  int64_t batch_size = 128;
  double learning_rate = 2e-3;
  int threads = 0;  // 0 = LibTorch's default (one per core)
  bool progress = true;
  std::filesystem::path out;

  // kiln::OptionError for a value train_model cannot use.
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainOptions, model, dataset, epochs, seed, train_limit,
                                   test_limit, batch_size, learning_rate, threads, progress, out)

// Returns the record that is also written to OUT/train.json.
TrainResult train_model(const TrainOptions& options);

// Names of the files `kiln train` writes, read back by `kiln freeze`.
inline constexpr const char* kWeightsFile = "weights.pt";
inline constexpr const char* kTrainRecordFile = "train.json";

}  // namespace kiln
