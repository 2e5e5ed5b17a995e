#pragma once
// A built-in model frozen (random weights, no dataset) into `dir`, for tests of later stages.
#include <filesystem>
#include <string>

#include "torchscript/freeze.h"

namespace kiln::testing {

inline std::filesystem::path freeze_builtin(const std::string& model, const std::filesystem::path& dir) {
  FreezeOptions f;
  f.model = model;
  f.dataset = "none";
  f.out = dir;
  freeze_model(f);
  return dir;
}

}  // namespace kiln::testing
