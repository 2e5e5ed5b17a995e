#include "common/toolchain_path.h"

#include <cstdlib>

namespace kiln {

std::string toolchain_prefix() {
  std::string prefix = KILN_TOOLCHAIN_PREFIX;
  if (const char* env = std::getenv("KILN_TOOLCHAIN_ROOT"); env != nullptr && *env != '\0') prefix = env;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return prefix;
}

std::filesystem::path toolchain_path(const std::filesystem::path& debian_path) {
  return std::filesystem::path(toolchain_prefix() + debian_path.string());
}

}  // namespace kiln
