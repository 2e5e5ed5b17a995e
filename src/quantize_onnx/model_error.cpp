#include "quantize_onnx/model_error.h"

#include "common/error.h"
#include "runtime/ort_session.h"

namespace kiln {

std::vector<HostTensor> first_outputs(const std::string& model_bytes, const Batches& batches,
                                      int threads, const std::string& what) {
  SessionOptions so;
  so.intra_op_threads = threads;
  auto session = OrtSession::from_bytes(model_bytes, so, what);
  std::vector<HostTensor> out;
  for (const auto& b : batches) out.push_back(std::move(session.run(b).at(0)));
  return out;
}

OutputMetrics error_against(const std::string& candidate_bytes, const Batches& batches,
                            const std::vector<HostTensor>& reference, int threads,
                            const std::string& what) {
  auto outputs = first_outputs(candidate_bytes, batches, threads, what);
  OutputMetrics m;
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!m.add(reference.at(i), outputs[i]))
      throw Error(what + ": output shape differs from the float model's (" + m.shape_problem() +
                  ")");
  return m;
}

}  // namespace kiln
