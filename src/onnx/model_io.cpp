#include "onnx/model_io.h"

#include <limits>

#include <fmt/format.h>
#include <onnx/checker.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "onnx/untrusted_model.h"

namespace kiln {

namespace {

constexpr uintmax_t kMaxModelBytes = std::numeric_limits<int32_t>::max();  // protobuf's limit

}  // namespace

onnx::ModelProto parse_model(std::string_view bytes, const std::string& what) {
  if (bytes.empty()) throw Error(fmt::format("{}: empty file, not an ONNX model", what));
  if (bytes.size() > kMaxModelBytes) {
    throw Error(fmt::format(
        "{}: {} bytes is beyond protobuf's 2 GiB limit (external data is not supported)", what,
        bytes.size()));
  }
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw Error(fmt::format("{}: not an ONNX model (protobuf parse failed)", what));
  }
  // Protobuf accepts many byte strings as a message with unknown fields; a model has both.
  if (!model.has_graph() || model.ir_version() <= 0) {
    throw Error(fmt::format("{}: not an ONNX model (no graph or IR version)", what));
  }
  return model;
}

onnx::ModelProto load_model(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec) &&
      std::filesystem::file_size(path, ec) > kMaxModelBytes) {
    throw Error(fmt::format(
        "{}: larger than protobuf's 2 GiB limit (external data is not supported)", path.string()));
  }
  onnx::ModelProto model = parse_model(read_file(path), path.string());
  check_untrusted_model(model, path.parent_path(), path.string());
  return model;
}

std::string serialize_model(const onnx::ModelProto& model) {
  std::string bytes;
  if (model.ByteSizeLong() > kMaxModelBytes || !model.SerializeToString(&bytes)) {
    throw Error("cannot serialize the model: larger than protobuf's 2 GiB limit");
  }
  return bytes;
}

void save_model(const onnx::ModelProto& model, const std::filesystem::path& path) {
  write_file_atomic(path, serialize_model(model));
}

void check_model(const onnx::ModelProto& model, bool full_check, const std::string& what) {
  try {
    onnx::checker::check_model(model, full_check);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: invalid ONNX model: {}", what, first_line(e.what())));
  }
}

}  // namespace kiln
