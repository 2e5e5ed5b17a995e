#pragma once
// Static INT8 quantization of a model in memory: plan (which nodes, which tensors), activation
// parameters from calibrated ranges, QDQ rewrite, ONNX checker. quantize_onnx_file adds the
// file, calibration-data and report sides; sensitivity analysis calls this once per layer.
#include <map>
#include <string>

#include <onnx/onnx_pb.h>

#include "quantize_onnx/calibration_method.h"
#include "quantize_onnx/qdq_rewrite.h"
#include "quantize_onnx/quant_plan.h"

namespace kiln {

struct StaticQuantized {
  onnx::ModelProto model;
  QuantPlan plan;
  std::map<std::string, QuantParams> activations;
  QdqSummary summary;
};

// `ranges` must cover plan.calibrated() (the activations of the plan without exclusions cover
// every exclusion set). The result passes the ONNX checker (kiln::Error naming the problem
// otherwise).
StaticQuantized quantize_static_model(const onnx::ModelProto& model, const PlanOptions& options,
                                      const std::map<std::string, Range>& ranges);

}  // namespace kiln
