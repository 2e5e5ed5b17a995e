#include "runtime/ort_runner.h"

#include <algorithm>

namespace kiln {

OrtRunner::OrtRunner(const std::filesystem::path& path, const SessionOptions& options)
    : ModelRunner(path), session_(OrtSession::from_file(path, options)) {}

std::optional<Shape> OrtRunner::input_shape() const {
  if (session_.inputs().empty()) return std::nullopt;
  return session_.inputs()[0].shape;
}

std::optional<std::vector<std::string>> OrtRunner::input_names() const {
  std::vector<std::string> names;
  for (const auto& in : session_.inputs()) names.push_back(in.name);
  return names;
}

std::vector<HostTensor> OrtRunner::run(const std::vector<HostTensor>& inputs) {
  // Inputs named after the model's own (every one of them, `--input` specs) go by name, in any
  // order; otherwise they are taken in order and named after the model's inputs.
  auto names = input_names().value_or(std::vector<std::string>{});  // (OrtRunner always has them)
  bool by_name = inputs.size() == names.size() && !inputs.empty();
  for (const auto& t : inputs)
    by_name = by_name && std::find(names.begin(), names.end(), t.name) != names.end();
  if (by_name) return session_.run(inputs);
  std::vector<HostTensor> named = inputs;
  for (size_t i = 0; i < named.size() && i < session_.inputs().size(); ++i) named[i].name = session_.inputs()[i].name;
  return session_.run(named);
}

}  // namespace kiln
