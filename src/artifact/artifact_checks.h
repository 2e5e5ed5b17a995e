#pragma once
// The checks `kiln validate` makes on an artifact folder by itself, with no reference model:
// metadata schema, hashes, the model (parse, external data, checker, opset, signature), golden
// outputs, and the accuracy budget. Reads only metadata.yaml, the ONNX model and .pb tensors —
// never code — so it needs no LibTorch and is what the validate fuzzer drives.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "artifact/validate_result.h"
#include "runtime/ort_session.h"
#include "tensor/host_tensor.h"

namespace kiln {

// Named checks, each passed or failed with one line of detail.
class CheckList {
 public:
  void add(const std::string& check, bool passed, const std::string& detail);
  ValidateResult result() const;

 private:
  ValidateResult result_;
};

struct ArtifactState {
  CheckList checks;
  nlohmann::json meta;                  // null when unreadable or off-schema
  std::unique_ptr<OrtSession> session;  // null when the checks stopped before loading the model
  std::vector<std::vector<HostTensor>> golden_inputs;
  double bound = 0;  // the equivalence bound in force
};

// Checks 1–7 (metadata … golden). `max_mae` overrides the bound in metadata.yaml. Stops early
// (session null) when what follows cannot be checked.
ArtifactState check_artifact_contents(const std::filesystem::path& root,
                                      std::optional<double> max_mae);
// Re-measures the accuracy drop on the dataset named in the metadata when it is available here,
// otherwise judges the recorded one against `max_drop` (percentage points).
void check_artifact_accuracy(ArtifactState& state, double max_drop);

}  // namespace kiln
