#include "cli/torch_handoff.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "common/child_process.h"
#include "common/error.h"
#include "common/process_env.h"
#include "runtime/model_file.h"

namespace kiln::cli {

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

void hand_off_to_libtorch() {
  if (saved_argv == nullptr) throw Error("internal: hand-off before remember_command_line");
  std::filesystem::path self = current_executable();
  if (self.empty()) throw Error("cannot find kiln's own path (/proc/self/exe) to start kiln-torch");
  // Beside kiln in a build folder; installed (cmake --install, the Debian package) it is a helper
  // under libexec, out of PATH.
  std::filesystem::path torch = self.parent_path() / "kiln-torch";
  if (std::filesystem::path installed = self.parent_path() / "../libexec/kiln/kiln-torch";
      ::access(torch.c_str(), X_OK) != 0 && ::access(installed.c_str(), X_OK) == 0)
    torch = installed.lexically_normal();
  choose_thread_environment(saved_argc, saved_argv);
  std::vector<char*> args(saved_argv, saved_argv + saved_argc);
  args.push_back(nullptr);
  ::execv(torch.c_str(), args.data());
  throw Error(
      fmt::format("cannot start {}: {} (it is built beside kiln, or installed in "
                  "../libexec/kiln/; rebuild with scripts/build.sh)",
                  torch.string(), std::strerror(errno)));
}

void ensure_libtorch_for(const std::filesystem::path& model) {
  if (libtorch_in_process || model.empty() || !is_torchscript_file(model)) return;
  hand_off_to_libtorch();
}

}  // namespace kiln::cli
