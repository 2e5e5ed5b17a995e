#pragma once
// A fresh, empty folder under the system temp dir, unique to this test process.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace kiln::testing {

inline std::filesystem::path fresh_temp_dir(const std::string& name, bool create = true) {
  auto d = std::filesystem::temp_directory_path() / ("kiln_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  if (create) std::filesystem::create_directories(d);
  return d;
}

}  // namespace kiln::testing
