#include "torchscript/op_libraries.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "common/error.h"
#include "common/toolchain_path.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

std::mutex mutex;
std::vector<std::string>& loaded() {
  static std::vector<std::string> paths;
  return paths;
}

}  // namespace

void load_op_libraries(const std::vector<fs::path>& paths) {
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& p : paths) {
    std::error_code ec;
    if (!fs::exists(p, ec)) throw Error(fmt::format("op library {}: no such file", p.string()));
    std::string canonical = fs::weakly_canonical(p, ec).string();
    if (std::find(loaded().begin(), loaded().end(), canonical) != loaded().end()) continue;
    // RTLD_GLOBAL: the library's static initializers register its ops with LibTorch's registry.
    if (dlopen(canonical.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
      const char* why = dlerror();
      throw Error(fmt::format("op library {} cannot be loaded: {}", p.string(), why != nullptr ? why : "unknown error"));
    }
    loaded().push_back(canonical);
  }
}

std::optional<fs::path> find_torchvision_library() {
  if (const char* env = std::getenv("KILN_TORCHVISION_LIBRARY"); env != nullptr && *env != '\0') return fs::path(env);
  std::vector<fs::path> dirs{"/usr/lib/python3/dist-packages/torchvision"};
  std::error_code ec;
  for (const auto& base : {fs::path("/usr/local/lib"), fs::path("/usr/lib")}) {
    for (const auto& entry : fs::directory_iterator(toolchain_prefix() + base.string(), ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("python3", 0) == 0) {
        dirs.push_back(base / name / "dist-packages/torchvision");
        dirs.push_back(base / name / "site-packages/torchvision");
      }
    }
  }
  for (const auto& d : dirs) {
    fs::path dir = toolchain_prefix() + d.string();
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("_C.", 0) == 0 && entry.path().extension() == ".so") return entry.path();
    }
  }
  return std::nullopt;
}

std::vector<std::string> loaded_op_libraries() {
  std::lock_guard<std::mutex> lock(mutex);
  return loaded();
}

std::string unknown_op_in(const std::string& message) {
  static const std::regex unknown(R"(Unknown builtin op: ([A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?))");  // not the sentence's full stop
  std::smatch m;
  if (std::regex_search(message, m, unknown)) return m[1].str();
  return "";
}

}  // namespace kiln
