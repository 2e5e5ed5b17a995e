#include "bench/ort_target.h"

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

OrtTarget::OrtTarget(const std::filesystem::path& path, const SessionOptions& options)
    : session_(OrtSession::from_file(path, options)) {
  if (session_.inputs().size() != 1) {
    throw Error(fmt::format("{}: kiln bench runs models with one input, this one has {}",
                            path.string(), session_.inputs().size()));
  }
}

std::optional<Shape> OrtTarget::input_shape() const {
  return session_.inputs()[0].shape;
}

HostTensor OrtTarget::named(const HostTensor& input) const {
  HostTensor t = input;
  t.name = session_.inputs()[0].name;
  return t;
}

void OrtTarget::prepare(const HostTensor& input) {
  session_.prepare({named(input)});
}

HostTensor OrtTarget::infer(const HostTensor& input) {
  auto out = session_.run({named(input)});
  if (out.empty()) throw Error(fmt::format("{}: the model has no outputs", session_.what()));
  return out[0];
}

}  // namespace kiln
