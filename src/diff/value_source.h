#pragma once
// One side of a diff as kiln diff drives it: chunk by chunk (each chunk once, in order), sample by
// sample, the chunk's values handed out as views. An ONNX model is a SegmentRunner; a TorchScript
// reference is a TorchscriptSource.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/ort_session.h"
#include "tensor/tensor_view.h"

namespace kiln {

// One chunk's values for one sample: views into a session's outputs, into `owned`, or into the
// source's own store; valid until the next run for the same sample or end_chunk().
struct ChunkValues {
  RunOutputs computed;
  std::vector<HostTensor> owned;
  std::unordered_map<std::string, TensorView> by_name;
  int64_t bytes = 0;  // held by `computed` and `owned`
};

class ValueSource {
 public:
  virtual ~ValueSource() = default;
  virtual void begin_chunk(size_t k) = 0;
  virtual ChunkValues run(size_t sample, const std::vector<HostTensor>& inputs) = 0;
  virtual void end_chunk() = 0;
  virtual int64_t frontier_bytes() const = 0;  // held between chunks, all samples
};

}  // namespace kiln
