#include "runtime/ort_runner.h"

namespace kiln {

OrtRunner::OrtRunner(const std::filesystem::path& path, const SessionOptions& options)
    : ModelRunner(path), session_(OrtSession::from_file(path, options)) {}

std::optional<Shape> OrtRunner::input_shape() const {
  if (session_.inputs().empty()) return std::nullopt;
  return session_.inputs()[0].shape;
}

std::vector<HostTensor> OrtRunner::run(const std::vector<HostTensor>& inputs) {
  // Inputs are given in order; name them after the model's inputs.
  std::vector<HostTensor> named = inputs;
  for (size_t i = 0; i < named.size() && i < session_.inputs().size(); ++i) named[i].name = session_.inputs()[i].name;
  return session_.run(named);
}

}  // namespace kiln
