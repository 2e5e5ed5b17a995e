#include "torchscript/example_file.h"

#include <fstream>

#include <fmt/format.h>
#include <torch/serialize.h>

#include "common/error.h"
#include "runtime/torch_runner.h"
#include "tensor/numpy_file.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

void collect(const c10::IValue& v, const std::string& name, const std::string& what, std::vector<HostTensor>& out) {
  if (v.isTensor()) {
    auto t = v.toTensor();
    if (t.is_quantized()) throw Error(fmt::format("{}: example tensors must not be quantized", what));
    out.push_back(from_torch(t.contiguous(), name));
    return;
  }
  if (v.isTuple() || v.isList()) {
    for (const auto& e : v.isTuple() ? v.toTupleRef().elements().vec() : v.toListRef().vec()) {
      if (!e.isTensor()) throw Error(fmt::format("{}: a tuple or list of tensors is expected; it holds a {}", what, e.tagKind()));
      collect(e, "", what, out);
    }
    return;
  }
  if (v.isGenericDict()) {
    for (const auto& e : v.toGenericDict()) {
      if (!e.key().isString()) throw Error(fmt::format("{}: dict keys must be input names (strings)", what));
      if (!e.value().isTensor()) throw Error(fmt::format("{}: '{}' is a {}, not a tensor", what, e.key().toStringRef(), e.value().tagKind()));
      collect(e.value(), e.key().toStringRef(), what, out);
    }
    return;
  }
  throw Error(fmt::format("{}: holds a {}; kiln reads a tensor, a tuple/list or a dict of tensors", what, v.tagKind()));
}

}  // namespace

std::vector<HostTensor> read_example_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(fmt::format("{}: no such file", path.string()));
  std::string ext = path.extension().string();
  if (ext == ".npz") return read_npz(path);
  if (ext == ".npy") {
    auto t = read_npy(path);
    t.name.clear();  // one unnamed tensor: the first input
    return {t};
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  c10::IValue v;
  try {
    v = torch::pickle_load(bytes);
  } catch (const std::exception& e) {
    std::string m = e.what();
    throw Error(fmt::format("{}: not a file torch.save wrote, nor .npz/.npy ({})", path.string(), m.substr(0, m.find('\n'))));
  }
  std::vector<HostTensor> out;
  collect(v, "", path.string(), out);
  if (out.empty()) throw Error(fmt::format("{}: holds no tensor", path.string()));
  return out;
}

}  // namespace kiln
