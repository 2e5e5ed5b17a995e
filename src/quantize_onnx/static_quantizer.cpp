#include "quantize_onnx/static_quantizer.h"

#include "onnx/graph_view.h"
#include "onnx/model_io.h"

namespace kiln {

StaticQuantized quantize_static_model(const onnx::ModelProto& model, const PlanOptions& options,
                                      const std::map<std::string, Range>& ranges) {
  StaticQuantized out;
  out.model = model;
  {
    ModelScope scope(out.model);
    GraphView view(*out.model.mutable_graph(), scope);
    out.plan = plan_quantization(view, options);
  }
  out.activations = activation_quant_params(out.plan, ranges);
  out.summary = write_qdq(out.model, out.plan, out.activations);
  check_model(out.model, /*full_check=*/true, "quantized model");
  return out;
}

}  // namespace kiln
