#include "onnx/model_io.h"

#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>

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
  if (has_external_data(model))
    internalize_external_data(model, path.parent_path().empty() ? "." : path.parent_path(),
                              path.string());
  return model;
}

namespace {

void for_each_mutable_tensor(onnx::GraphProto& graph,
                             const std::function<void(onnx::TensorProto&)>& visit) {
  // The structure bound (check_model_structure) keeps this recursion shallow.
  for (auto& t : *graph.mutable_initializer()) visit(t);
  for (auto& n : *graph.mutable_node())
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_t()) visit(*a.mutable_t());
      for (auto& t : *a.mutable_tensors()) visit(t);
      if (a.has_g()) for_each_mutable_tensor(*a.mutable_g(), visit);
      for (auto& g : *a.mutable_graphs()) for_each_mutable_tensor(g, visit);
    }
}

// Initializers at least this large go to the external file when a model is too large for one
// protobuf.
constexpr size_t kExternalMinBytes = 1024;

}  // namespace

void internalize_external_data(onnx::ModelProto& model, const std::filesystem::path& folder,
                               const std::string& what) {
  for_each_mutable_tensor(*model.mutable_graph(), [&](onnx::TensorProto& t) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) return;
    std::string location;
    uint64_t offset = 0;
    std::optional<uint64_t> length;
    for (const auto& kv : t.external_data()) {
      auto number = [&](const std::string& v) {
        uint64_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || p != v.data() + v.size())
          throw Error(fmt::format("{}: tensor '{}' has external data {} '{}', not a number", what,
                                  t.name(), kv.key(), v));
        return n;
      };
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = number(kv.value());
      if (kv.key() == "length") length = number(kv.value());
    }
    const std::filesystem::path file = folder / location;  // confined by check_untrusted_model
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(file, ec);
    if (ec || offset > size || (length && *length > size - offset))
      throw Error(fmt::format(
          "{}: tensor '{}' external data ({} bytes at offset {} of '{}') lies "
          "beyond the file's {} bytes",
          what, t.name(), length.value_or(size - std::min(offset, size)), offset, location, size));
    const uint64_t n = length.value_or(size - offset);
    std::ifstream in(file, std::ios::binary);
    std::string data(n, '\0');
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(data.data(), static_cast<std::streamsize>(n)))
      throw Error(fmt::format("{}: tensor '{}': cannot read its external data from '{}'", what,
                              t.name(), location));
    t.set_raw_data(std::move(data));
    t.clear_external_data();
    t.set_data_location(onnx::TensorProto::DEFAULT);
  });
}

bool needs_external_data(const onnx::ModelProto& model) {
  return model.ByteSizeLong() > kMaxModelBytes;
}

std::string serialize_model(const onnx::ModelProto& model) {
  std::string bytes;
  if (model.ByteSizeLong() > kMaxModelBytes || !model.SerializeToString(&bytes)) {
    throw Error("cannot serialize the model: larger than protobuf's 2 GiB limit");
  }
  return bytes;
}

void save_model(const onnx::ModelProto& model, const std::filesystem::path& path) {
  if (!needs_external_data(model)) {
    write_file_atomic(path, serialize_model(model));
    return;
  }
  FileSet files;
  save_model(model, path, files);
  files.commit();
}

std::filesystem::path write_model_into(FileSet& files, const onnx::ModelProto& model, const std::filesystem::path& target) {
  if (model.ByteSizeLong() > kMaxModelBytes) throw Error("cannot serialize the model: larger than protobuf's 2 GiB limit");
  const std::filesystem::path temp = files.reserve(target);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out || !model.SerializeToOstream(&out) || !out.flush())
      throw Error(fmt::format("cannot write {}: {}", target.string(), std::strerror(errno)));
  }
  fsync_file(temp);
  return temp;
}

void set_external_data(onnx::TensorProto& t, const std::string& location, uint64_t offset,
                       uint64_t length) {
  t.set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const char* key, const std::string& value) {
    auto* kv = t.add_external_data();
    kv->set_key(key);
    kv->set_value(value);
  };
  add("location", location);
  add("offset", std::to_string(offset));
  add("length", std::to_string(length));
}

void save_model(const onnx::ModelProto& model, const std::filesystem::path& path, FileSet& files) {
  if (!needs_external_data(model)) {
    write_model_into(files, model, path);
    return;
  }
  // ONNX's external data: the large initializers' bytes in NAME.data (relative location, offsets
  // aligned to 4 KiB), the rest in the protobuf.
  const std::string data_name = path.filename().string() + ".data";
  const std::filesystem::path data_path = path.parent_path() / data_name;
  const std::filesystem::path data_temp = files.reserve(data_path);
  onnx::ModelProto copy = model;
  std::ofstream out(data_temp, std::ios::binary | std::ios::trunc);
  uint64_t offset = 0;
  for_each_mutable_tensor(*copy.mutable_graph(), [&](onnx::TensorProto& t) {
    if (!t.has_raw_data() || t.raw_data().size() < kExternalMinBytes) return;
    const uint64_t aligned = (offset + 4095) / 4096 * 4096;
    if (aligned > offset)
      out.write(std::string(aligned - offset, '\0').data(),
                static_cast<std::streamsize>(aligned - offset));
    offset = aligned;
    out.write(t.raw_data().data(), static_cast<std::streamsize>(t.raw_data().size()));
    set_external_data(t, data_name, offset, t.raw_data().size());
    offset += t.raw_data().size();
    t.clear_raw_data();
  });
  out.flush();
  if (!out)
    throw Error(fmt::format("cannot write {}: {}", data_path.string(), std::strerror(errno)));
  out.close();
  fsync_file(data_temp);
  write_model_into(files, copy, path);
}

void check_model(const onnx::ModelProto& model, bool full_check, const std::string& what) {
  try {
    onnx::checker::check_model(model, full_check);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: invalid ONNX model: {}", what, first_line(e.what())));
  }
}

}  // namespace kiln
