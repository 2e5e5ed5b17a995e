#pragma once
// `kiln quantize`: dynamic INT8 quantization of every Linear layer of a TorchScript module
// (seminar task 2: quantize_dynamic(model, {Linear}, qint8)), done as a graph rewrite so it works
// on any module a user brings: aten::linear with a constant weight → quantized::linear_dynamic
// with prepacked int8 weights; activations are quantized at run time. No LibTorch in this header.
#include <filesystem>
#include <string>

#include "common/json_record.h"
#include "quantize/quantize_result.h"

namespace kiln {

struct QuantizeOptions {
  std::filesystem::path model;    // TorchScript .pt (FP32)
  std::filesystem::path out;      // model_int8.pt
  std::string engine = "onednn";  // qnnpack | onednn: the kernels the packed weights are made for
  bool per_channel = false;       // per-output-channel weight scales (default: one scale per layer)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantizeOptions, model, out, engine, per_channel)

// Writes the INT8 module; returns a report: every Linear layer, quantized or left in FP32 (why).
QuantizeResult quantize_dynamic(const QuantizeOptions& options);
std::string quantize_report_text(const QuantizeResult& report);

// Selects LibTorch's quantized engine by name; kiln::UsageError names the available ones.
void select_quantized_engine(const std::string& engine);

}  // namespace kiln
