#pragma once
// BenchTarget over an ONNX Runtime session: run() is OrtSession::run_prepared(), which reuses
// Ort::Values that point at the prepared input (what a Python `session.run` does minus Python).
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "bench/bench_target.h"
#include "runtime/ort_session.h"

namespace kiln {

class OrtTarget : public BenchTarget {
 public:
  OrtTarget(const std::filesystem::path& path, const SessionOptions& options);
  // A model held in memory (a candidate plan, not a file); `what` names it in errors.
  OrtTarget(std::string_view bytes, const SessionOptions& options, const std::string& what);
  std::string engine() const override { return "onnxruntime"; }
  std::optional<Shape> input_shape() const override;
  void prepare(const std::vector<HostTensor>& inputs) override;
  void run() override { session_.run_prepared(); }
  HostTensor infer(const HostTensor& input) override;
  bool spins_after_run() const override { return spins_; }
  OrtSession& session() { return session_; }

 private:
  OrtTarget(OrtSession session, bool spins);
  HostTensor named(const HostTensor& input) const;
  OrtSession session_;
  bool spins_;
};

}  // namespace kiln
