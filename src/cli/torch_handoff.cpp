#include "cli/torch_handoff.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "common/child_process.h"
#include "common/error.h"
#include "common/process_env.h"
#include "common/signal_cleanup.h"
#include "runtime/model_file.h"

namespace kiln::cli {

namespace fs = std::filesystem;

namespace {

int saved_argc = 0;
char** saved_argv = nullptr;
bool libtorch_in_process = false;

}  // namespace

void remember_command_line(int argc, char** argv) {
  saved_argc = argc;
  saved_argv = argv;
}

void set_libtorch_in_process() {
  libtorch_in_process = true;
}

fs::path kiln_torch_executable() {
  fs::path self = current_executable();
  if (self.empty()) throw Error("cannot find kiln's own path (/proc/self/exe) to start kiln-torch");
  // Beside kiln in a build folder; installed (cmake --install, the Debian package) it is a helper
  // under libexec, out of PATH.
  fs::path torch = self.parent_path() / "kiln-torch";
  if (fs::path installed = self.parent_path() / "../libexec/kiln/kiln-torch";
      ::access(torch.c_str(), X_OK) != 0 && ::access(installed.c_str(), X_OK) == 0)
    torch = installed.lexically_normal();
  return torch;
}

fs::path kiln_front_executable() {
  fs::path self = current_executable();
  if (self.empty()) return {};
  for (const fs::path& front : {self.parent_path() / "kiln", self.parent_path() / "../../bin/kiln"})
    if (::access(front.c_str(), X_OK) == 0) return front.lexically_normal();
  return {};
}

void hand_off_to_libtorch() {
  if (saved_argv == nullptr) throw Error("internal: hand-off before remember_command_line");
  fs::path torch = kiln_torch_executable();
  choose_thread_environment(saved_argc, saved_argv);
  std::vector<char*> args(saved_argv, saved_argv + saved_argc);
  args.push_back(nullptr);
  ::execv(torch.c_str(), args.data());
  throw Error(
      fmt::format("cannot start {}: {} (it is built beside kiln, or installed in "
                  "../libexec/kiln/; rebuild with scripts/build.sh)",
                  torch.string(), std::strerror(errno)));
}

void hand_over_verification(VerificationHandoff&& handoff, const fs::path& dir) {
  // Everything the handoff holds is removed again unless the front takes it over.
  struct Cleanup {
    fs::path dir;
    std::vector<std::pair<fs::path, fs::path>> files;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
      for (const auto& f : files) fs::remove(f.second, e);
    }
  } cleanup{dir, handoff.files};
  CleanupOnSignal guard(dir);
  std::vector<std::unique_ptr<CleanupOnSignal>> temp_guards;
  for (const auto& f : handoff.files) temp_guards.push_back(std::make_unique<CleanupOnSignal>(f.second));
  fs::path front = kiln_front_executable();
  if (front.empty()) throw Error("internal: no kiln beside kiln-torch to verify in");
  write_handoff(handoff, dir);
  std::fflush(nullptr);  // what this process printed, before exec drops its buffers
  const std::string dir_text = dir.string();
  std::vector<char*> args{const_cast<char*>(front.c_str()), const_cast<char*>("export-verify"), const_cast<char*>(dir_text.c_str()),
                          nullptr};
  ::execv(front.c_str(), args.data());
  throw Error(fmt::format("cannot start {}: {}", front.string(), std::strerror(errno)));
}

void ensure_libtorch_for(const std::filesystem::path& model) {
  if (libtorch_in_process || model.empty() || !is_torchscript_file(model)) return;
  hand_off_to_libtorch();
}

}  // namespace kiln::cli
