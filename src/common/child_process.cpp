#include "common/child_process.h"

#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string_view>

#include <fmt/format.h>

#include "common/error.h"
#include "common/process_env.h"

extern char** environ;

namespace fs = std::filesystem;

namespace kiln {

fs::path current_executable() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

void run_kiln_child(const fs::path& program, const std::vector<std::string>& args) {
  const bool drop_wait_policy = thread_environment_was_chosen_by_kiln();
  // Created here (mkstemp: a new file only this user owns), so the child never follows a link
  // someone else planted in the shared temporary folder.
  std::string error_template = (fs::temp_directory_path() / "kiln-child-error.XXXXXX").string();
  int fd = ::mkstemp(error_template.data());
  if (fd < 0) throw Error(fmt::format("cannot create a file in {}: {}", fs::temp_directory_path().string(), std::strerror(errno)));
  ::close(fd);
  fs::path error_file = error_template;
  std::error_code ec;
  std::string error_var = fmt::format("{}={}", kChildErrorFileVar, error_file.string());
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (drop_wait_policy && (kv.starts_with("OMP_WAIT_POLICY=") || kv.starts_with("KILN_THREAD_ENV="))) continue;
    if (kv.starts_with(std::string(kChildErrorFileVar) + "=")) continue;
    env.push_back(*e);
  }
  env.push_back(error_var.data());
  env.push_back(nullptr);
  std::string prog = program.string();
  std::vector<char*> argv{prog.data()};
  std::vector<std::string> copy(args);
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  // The child starts with the signals kiln's cleanup thread waits for unblocked (signal_cleanup.h).
  posix_spawnattr_t attr;
  ::posix_spawnattr_init(&attr);
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigdelset(&mask, sig);
  ::posix_spawnattr_setsigmask(&attr, &mask);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  int rc = ::posix_spawn(&pid, prog.c_str(), nullptr, &attr, argv.data(), env.data());
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    fs::remove(error_file, ec);
    throw Error(fmt::format("cannot run {}: {}", prog, std::strerror(rc)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Error(fmt::format("waiting for {} failed: {}", prog, std::strerror(errno)));
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
  std::string message;
  if (std::ifstream in(error_file); in) std::getline(in, message);
  fs::remove(error_file, ec);
  if (code == 0) return;
  if (!message.empty()) throw Error(message);
  throw Error(fmt::format("kiln {} exited with status {}", args.empty() ? std::string() : args[0], code));
}

}  // namespace kiln
