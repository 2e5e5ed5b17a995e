#include "common/signal_cleanup.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <map>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;

namespace kiln {

namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::map<uint64_t, fs::path>& registry() {
  static std::map<uint64_t, fs::path> r;
  return r;
}

uint64_t next_id = 1;  // guarded by registry_mutex()

sigset_t cleanup_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

int wake_fd = -1;  // the write end of the pipe the handler signals the cleanup thread through

// Async-signal-safe: one byte down the pipe, whichever thread the kernel picked (a thread some
// library started before main cannot be told to block the signal, so blocking is not enough).
void on_signal(int sig) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(sig);
  [[maybe_unused]] ssize_t n = ::write(wake_fd, &byte, 1);
  errno = saved;
}

[[noreturn]] void wait_and_clean(int read_fd) {
  unsigned char byte = 0;
  while (::read(read_fd, &byte, 1) != 1) {
  }
  const int sig = byte;
  {
    // Held to the end: no registration or commit races the removal.
    std::lock_guard<std::mutex> lock(registry_mutex());
    for (const auto& [id, path] : registry()) {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
    ::signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
    ::raise(sig);  // delivered to this thread: the default action ends the process
  }
  for (;;) pause();
}

}  // namespace

void install_signal_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    wake_fd = fds[1];
    std::thread(wait_and_clean, fds[0]).detach();
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      // Signals ignored by whoever started kiln (nohup, a shell's background job) stay ignored.
      if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESTART;
      sigaction(sig, &sa, nullptr);
    }
  });
}

void unblock_cleanup_signals_in_child() {
  sigset_t set = cleanup_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

CleanupOnSignal::CleanupOnSignal(const fs::path& path) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  id_ = next_id++;
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  registry().emplace(id_, ec ? path : absolute);
}

CleanupOnSignal::~CleanupOnSignal() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry().erase(id_);
}

}  // namespace kiln
