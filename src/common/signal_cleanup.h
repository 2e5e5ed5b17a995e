#pragma once
// Temporary outputs removed when SIGINT, SIGTERM or SIGHUP end kiln (issue 33: a `.partial`
// staging folder stayed until the next run). StagingDir folders and write_file_atomic/FileSet
// temporaries register here while they exist.
//
// install_signal_cleanup() installs a handler for those signals that only writes a byte to a pipe
// (whichever thread the kernel delivers to, libraries' threads included) and starts one thread
// that waits on the pipe. On a signal that thread removes every registered path, restores the
// default action and re-raises it: the process still ends by that signal (exit status 128 + N in
// a shell), just without debris. Signals the parent left ignored stay ignored. Without install
// (the library in tests, another host program) registration is bookkeeping only.
#include <cstdint>
#include <filesystem>

namespace kiln {

void install_signal_cleanup();

// For a child process after fork: the cleanup signals unblocked (a caller may have blocked them).
void unblock_cleanup_signals_in_child();

// Registers `path` (a file or folder) for removal on a signal while the guard lives.
class CleanupOnSignal {
 public:
  explicit CleanupOnSignal(const std::filesystem::path& path);
  ~CleanupOnSignal();
  CleanupOnSignal(const CleanupOnSignal&) = delete;
  CleanupOnSignal& operator=(const CleanupOnSignal&) = delete;

 private:
  uint64_t id_;
};

}  // namespace kiln
