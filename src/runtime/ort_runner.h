#pragma once
// ModelRunner over an ONNX Runtime session.
#include <memory>

#include "runtime/model_runner.h"
#include "runtime/ort_session.h"

namespace kiln {

class OrtRunner : public ModelRunner {
 public:
  OrtRunner(const std::filesystem::path& path, const SessionOptions& options = {});
  std::string engine() const override { return "onnxruntime"; }
  std::optional<Shape> input_shape() const override;
  std::optional<std::vector<std::string>> input_names() const override;
  std::vector<HostTensor> run(const std::vector<HostTensor>& inputs) override;
  OrtSession& session() { return session_; }

 private:
  OrtSession session_;
};

}  // namespace kiln
