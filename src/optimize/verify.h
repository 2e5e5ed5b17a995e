#pragma once
// Verification: the original and the optimized model run in ONNX Runtime (its own graph
// optimizations off, so kiln's rewrites are what is checked) on the same seeded inputs, once per
// value given to the dynamic dimensions (batch 1 and 3 by default), and their outputs compared.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "kiln/optimize.h"
#include "tensor/host_tensor.h"

namespace kiln {

// VerifyOptions: the public kiln/optimize.h.

struct OutputError {
  std::string name;
  double max_abs = 0, max_rel = 0;
  std::string problem;  // shape/type mismatch or a failed run
};

struct VerifyResult {
  double max_abs = 0, max_rel = 0;
  std::vector<OutputError> outputs;  // worst over the input sets, per output
  bool passed(double rtol) const { return max_rel <= rtol; }
};

using OutputSets = std::vector<std::vector<HostTensor>>;  // per input set, the model's outputs

class Verifier {
 public:
  // Runs the original on each input set; sets it cannot run (a dynamic size it rejects) are
  // dropped. Throws kiln::Error when it runs on none.
  // Models of any size (beyond protobuf's 2 GiB through external data: OrtSession::from_model).
  Verifier(const onnx::ModelProto& original, const VerifyOptions& options);

  // Outputs of `model` on every kept input set; throws kiln::Error when it fails.
  OutputSets run(const onnx::ModelProto& model, const std::string& what) const;
  const OutputSets& reference() const { return reference_; }
  std::vector<std::string> input_sets() const;  // e.g. "dynamic dims = 3"

  static VerifyResult compare(const OutputSets& expected, const OutputSets& actual);

 private:
  VerifyOptions options_;
  std::vector<int64_t> dims_;  // kept input sets
  std::vector<std::vector<HostTensor>> inputs_;
  OutputSets reference_;
};

}  // namespace kiln
