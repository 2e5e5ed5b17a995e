#pragma once
// `kiln precision`: seminar task 2. One model in four number formats — FP32, BF16 autocast, FP16
// autocast, dynamic INT8 — timed interleaved in the same run, with logit differences against
// FP32, top-1 agreement, test accuracy and its change, file sizes, and a conclusion line
// computed from those numbers. No LibTorch in this header.
#include <filesystem>
#include <string>

#include "common/json_record.h"
#include "precision/precision_result.h"

namespace kiln {

struct PrecisionOptions {
  std::filesystem::path model;    // FP32 TorchScript
  std::filesystem::path int8;     // empty: quantize `model` into OUT/model_int8.pt
  std::string engine = "onednn";  // quantized engine for INT8
  std::string dataset = "mnist";  // "none": no accuracy
  int64_t accuracy_samples = 0;   // ≤ 0: the whole test split
  int runs = 100, warmup = 10;
  std::string batches = "1,64";
  std::string input_shape = "1x1x28x28";
  int threads = 0;
  std::filesystem::path out;
  bool progress = true;

  // kiln::OptionError for a value precision_study cannot use.
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PrecisionOptions, model, int8, engine, dataset, accuracy_samples,
                                   runs, warmup, batches, input_shape, threads, out)

PrecisionResult precision_study(const PrecisionOptions& options);
std::string precision_markdown(const PrecisionResult& report);

}  // namespace kiln
