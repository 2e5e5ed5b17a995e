#include "bench/ort_target.h"

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

OrtTarget::OrtTarget(const std::filesystem::path& path, const SessionOptions& options)
    : OrtTarget(OrtSession::from_file(path, options), options.allow_spinning) {}

OrtTarget::OrtTarget(std::string_view bytes, const SessionOptions& options, const std::string& what)
    : OrtTarget(OrtSession::from_bytes(bytes, options, what), options.allow_spinning) {}

OrtTarget::OrtTarget(OrtSession session, bool spins) : session_(std::move(session)), spins_(spins) {
  if (session_.inputs().empty())
    throw Error(fmt::format("{}: the model has no inputs", session_.what()));
}

std::optional<Shape> OrtTarget::input_shape() const {
  return session_.inputs()[0].shape;
}

HostTensor OrtTarget::named(const HostTensor& input) const {
  HostTensor t = input;
  t.name = session_.inputs()[0].name;
  return t;
}

// One input takes the model's name for it; several (from --input specs) are matched by name.
void OrtTarget::prepare(const std::vector<HostTensor>& inputs) {
  if (inputs.size() == 1 && session_.inputs().size() == 1)
    return session_.prepare({named(inputs[0])});
  session_.prepare(inputs);
}

HostTensor OrtTarget::infer(const HostTensor& input) {
  auto out = session_.run({named(input)});
  if (out.empty()) throw Error(fmt::format("{}: the model has no outputs", session_.what()));
  return out[0];
}

}  // namespace kiln
