#pragma once
// BenchTarget over an ONNX Runtime session: run() is OrtSession::run_prepared(), which reuses
// Ort::Values that point at the prepared input (what a Python `session.run` does minus Python).
#include <filesystem>
#include <memory>

#include "bench/bench_target.h"
#include "runtime/ort_session.h"

namespace kiln {

class OrtTarget : public BenchTarget {
 public:
  OrtTarget(const std::filesystem::path& path, const SessionOptions& options);
  std::string engine() const override { return "onnxruntime"; }
  std::optional<Shape> input_shape() const override;
  void prepare(const std::vector<HostTensor>& inputs) override;
  void run() override { session_.run_prepared(); }
  HostTensor infer(const HostTensor& input) override;
  OrtSession& session() { return session_; }

 private:
  HostTensor named(const HostTensor& input) const;
  OrtSession session_;
};

}  // namespace kiln
