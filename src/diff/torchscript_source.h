#pragma once
// A TorchScript reference in kiln diff: the model runs in LibTorch as kiln froze it for export,
// and its values are read through the export report's value-to-tensor map. This side knows no
// LibTorch; ReferenceValues is implemented in kiln_torch (diff/torchscript_values.h) and handed in
// by the caller, so kiln_core stays free of it.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "diff/value_source.h"
#include "kiln/diff.h"
#include "runtime/input_spec.h"

namespace kiln {

class ReferenceValues {
 public:
  virtual ~ReferenceValues() = default;
  // Runs the model on `inputs` (in the order of its input specs) and returns the values `keys`
  // name ("node:output" of the export report's map), in that order.
  virtual std::vector<HostTensor> run(const std::vector<HostTensor>& inputs,
                                      const std::vector<std::string>& keys) = 0;
};

// TorchscriptValuesFactory: the public kiln/diff.h.

// Chunk k asks for `chunks[k]`: pairs of (map key, the ONNX name the value is compared under).
// Each chunk runs the whole model once per sample (a TorchScript graph is not split).
class TorchscriptSource : public ValueSource {
 public:
  TorchscriptSource(std::unique_ptr<ReferenceValues> values,
                    std::vector<std::vector<std::pair<std::string, std::string>>> chunks);
  void begin_chunk(size_t k) override { chunk_ = k; }
  ChunkValues run(size_t sample, const std::vector<HostTensor>& inputs) override;
  void end_chunk() override {}
  int64_t frontier_bytes() const override { return 0; }

 private:
  std::unique_ptr<ReferenceValues> values_;
  std::vector<std::vector<std::pair<std::string, std::string>>> chunks_;
  size_t chunk_ = 0;
};

}  // namespace kiln
