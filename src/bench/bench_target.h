#pragma once
// What the benchmark times: one model behind one engine, with its input prepared outside the
// timed region so a timed run() is the engine's call and nothing else (no tensor copies).
#include <optional>
#include <string>
#include <vector>

#include "common/shape.h"
#include "tensor/host_tensor.h"

namespace kiln {

class BenchTarget {
 public:
  virtual ~BenchTarget() = default;
  virtual std::string engine() const = 0;  // "onnxruntime" or "libtorch"
  // The first input's declared shape (-1 for symbolic dimensions); nullopt when undeclared.
  virtual std::optional<Shape> input_shape() const = 0;
  // Keeps (a copy of) the inputs, in forward's order, in the engine's own form for run().
  virtual void prepare(const std::vector<HostTensor>& inputs) = 0;
  // One timed inference on the prepared input.
  virtual void run() = 0;
  // The first output for `input` (accuracy; not timed).
  virtual HostTensor infer(const HostTensor& input) = 0;
  // Whether the engine's threads keep spinning on the cores after run() returns (ONNX Runtime's
  // default): the runner then lets them go idle before it times another model.
  virtual bool spins_after_run() const { return false; }
};

}  // namespace kiln
