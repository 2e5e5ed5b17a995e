#pragma once
// "Run these inputs, give me the outputs": one interface over ONNX Runtime (.onnx) and LibTorch
// (.pt), so compare, bench and pack treat both kinds of model alike.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/shape.h"
#include "tensor/host_tensor.h"

namespace kiln {

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  // "onnxruntime" or "libtorch"
  virtual std::string engine() const = 0;
  const std::filesystem::path& path() const { return path_; }
  // The first input's shape when the model declares one (-1 for a symbolic dimension).
  virtual std::optional<Shape> input_shape() const = 0;
  // The inputs' names, in order, when the model declares them (ONNX); nullopt when unknown.
  virtual std::optional<std::vector<std::string>> input_names() const { return std::nullopt; }
  virtual std::vector<HostTensor> run(const std::vector<HostTensor>& inputs) = 0;

 protected:
  explicit ModelRunner(std::filesystem::path path) : path_(std::move(path)) {}

 private:
  std::filesystem::path path_;
};

}  // namespace kiln
