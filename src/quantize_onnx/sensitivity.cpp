#include "quantize_onnx/sensitivity.h"

#include "onnx/model_io.h"
#include "quantize_onnx/static_quantizer.h"

namespace kiln {

std::vector<LayerSensitivity> layer_sensitivity(
    const onnx::ModelProto& model, const std::vector<QuantizedNode>& layers, bool per_channel,
    const std::map<std::string, Range>& ranges, const Batches& batches,
    const std::vector<HostTensor>& reference, int threads) {
  std::vector<LayerSensitivity> out;
  for (const auto& layer : layers) {
    PlanOptions alone;
    alone.per_channel = per_channel;
    for (const auto& other : layers)
      if (other.label != layer.label) alone.exclude.insert(other.label);
    auto q = quantize_static_model(model, alone, ranges);
    auto m = error_against(serialize_model(q.model), batches, reference, threads,
                           "model with only " + layer.label + " quantized");
    out.push_back({layer.label, layer.op, m.relative_l2(), m.max_abs(), m.top1_agreement()});
  }
  return out;
}

}  // namespace kiln
