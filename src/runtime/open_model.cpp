#include "runtime/open_model.h"

#include <fstream>

#include <fmt/format.h>

#include "common/error.h"
#include "runtime/ort_runner.h"
#include "runtime/torchscript_engine.h"

namespace fs = std::filesystem;

namespace kiln {

std::unique_ptr<ModelRunner> open_model(const fs::path& path, const SessionOptions& ort_options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(fmt::format("{}: no such file", path.string()));
  if (fs::is_directory(path, ec)) throw Error(fmt::format("{}: is a directory, expected a model file", path.string()));
  if (is_torchscript_file(path)) return open_torchscript_runner(path);
  return std::make_unique<OrtRunner>(path, ort_options);
}

}  // namespace kiln
