#include "runtime/open_model.h"

#include <fstream>

#include <fmt/format.h>

#include "common/error.h"
#include "runtime/ort_runner.h"
#include "runtime/torch_runner.h"

namespace fs = std::filesystem;

namespace kiln {

bool is_torchscript_file(const fs::path& path) {
  char head[2] = {0, 0};
  std::ifstream(path, std::ios::binary).read(head, 2);
  return head[0] == 'P' && head[1] == 'K';
}

std::unique_ptr<ModelRunner> open_model(const fs::path& path, const SessionOptions& ort_options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(fmt::format("{}: no such file", path.string()));
  if (fs::is_directory(path, ec)) throw Error(fmt::format("{}: is a directory, expected a model file", path.string()));
  if (is_torchscript_file(path)) return std::make_unique<TorchRunner>(path);
  return std::make_unique<OrtRunner>(path, ort_options);
}

}  // namespace kiln
