#pragma once
// What `kiln quantize` (dynamic INT8 of a TorchScript module's Linear layers) did. No LibTorch.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"

namespace kiln {

struct QuantizedLayer {
  std::string layer;
  bool quantized = false;
  std::vector<int64_t> weight_shape;
  std::optional<std::string> reason;  // why it stayed FP32
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantizedLayer, layer, quantized, weight_shape, reason)

struct SizeBytes {
  uint64_t fp32 = 0, int8 = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SizeBytes, fp32, int8)

struct QuantizeResult {
  int schema_version = 1;
  std::string model, engine, weight_scheme, activations;
  std::vector<QuantizedLayer> layers;
  int quantized_layers = 0, fp32_layers = 0;
  std::string out;
  SizeBytes size_bytes;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantizeResult, schema_version, model, engine, weight_scheme,
                                   activations, layers, quantized_layers, fp32_layers, out,
                                   size_bytes)

}  // namespace kiln
