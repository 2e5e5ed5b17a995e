#include "fp16/activation_stats.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "onnx/graph_edit.h"
#include "onnx/model_io.h"
#include "runtime/ort_session.h"

namespace kiln {

namespace {

void add_values(ActivationStats& s, const float* v, int64_t n) {
  s.count += n;
  for (int64_t k = 0; k < n; ++k) {
    const double x = v[k];
    if (!std::isfinite(x)) {
      ++s.non_finite;
      continue;
    }
    const double a = std::abs(x);
    s.max_abs = std::max(s.max_abs, a);
    if (a != 0) {
      ++s.nonzero;
      if (a < kFp16FlushToZero) ++s.flushed;
    }
  }
}

}  // namespace

ActivationStats tensor_stats(const HostTensor& tensor) {
  ActivationStats s;
  if (tensor.dtype == DType::Float32) add_values(s, tensor.ptr<float>(), tensor.numel());
  return s;
}

std::map<std::string, ActivationStats> activation_stats(
    const onnx::ModelProto& model, const std::vector<std::string>& tensors,
    const std::vector<std::vector<HostTensor>>& batches, int threads) {
  std::map<std::string, ActivationStats> out;
  if (tensors.empty()) return out;
  SessionOptions so;
  so.optimization = GraphOptLevel::Disable;  // the model's own tensors, as written
  so.intra_op_threads = threads;
  auto session = OrtSession::from_bytes(
      serialize_model(with_extra_outputs(model, tensors, onnx::TensorProto::FLOAT)), so,
      "FP32 model (tensor ranges)");
  std::map<std::string, bool> watched;
  for (const auto& t : tensors) watched[t] = true;
  for (const auto& batch : batches) {
    auto outputs = session.run(batch);
    for (size_t o = 0; o < outputs.size(); ++o) {
      const std::string& name = session.outputs()[o].name;
      if (!watched.count(name)) continue;
      const HostTensor& t = outputs[o];
      if (t.dtype != DType::Float32) continue;
      add_values(out[name], t.ptr<float>(), t.numel());
    }
  }
  return out;
}

}  // namespace kiln
