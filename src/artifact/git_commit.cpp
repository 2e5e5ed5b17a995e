#include "artifact/git_commit.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include <fmt/format.h>

#include "common/error.h"
#include "common/signal_cleanup.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// Runs git with arguments (no shell), returns {exit code, stdout}.
std::pair<int, std::string> git(const std::vector<std::string>& args) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) throw Error("cannot run git: pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) throw Error("cannot run git: fork failed");
  if (pid == 0) {
    unblock_cleanup_signals_in_child();
    ::dup2(pipefd[1], STDOUT_FILENO);
    ::dup2(pipefd[1], STDERR_FILENO);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    std::vector<char*> argv{const_cast<char*>("git")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp("git", argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  std::string out;
  std::array<char, 4096> buf;
  ssize_t n;
  while ((n = ::read(pipefd[0], buf.data(), buf.size())) > 0)
    out.append(buf.data(), static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 1, out};
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

GitCommit git_commit_artifact(const fs::path& folder, double verified_bound) {
  fs::path abs = fs::absolute(folder);
  auto [rc, top] = git({"-C", abs.string(), "rev-parse", "--show-toplevel"});
  if (rc != 0)
    throw Error(fmt::format("--git-commit: {} is not inside a git repository", folder.string()));
  std::string repo = trim(top);
  std::string message =
      fmt::format("Optimized ONNX artifact, verified equivalence ≤ {:g}", verified_bound);
  auto [arc, aout] = git({"-C", repo, "add", "--", abs.string()});
  if (arc != 0) throw Error(fmt::format("--git-commit: git add failed: {}", trim(aout)));
  auto [crc, cout] = git({"-C", repo, "commit", "-m", message, "--", abs.string()});
  if (crc != 0)
    throw Error(fmt::format("--git-commit: git commit failed: {}", trim(cout).substr(0, 200)));
  auto [hrc, head] = git({"-C", repo, "rev-parse", "HEAD"});
  return {trim(head), message, repo};
}

}  // namespace kiln
