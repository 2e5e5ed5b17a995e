#include "common/signal_cleanup.h"

#include <pthread.h>
#include <signal.h>

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

[[noreturn]] void wait_and_clean(sigset_t set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
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
    ::raise(sig);  // this thread takes it: the default action ends the process
  }
  for (;;) pause();
}

}  // namespace

void install_signal_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set = cleanup_signals();
    // Signals ignored by whoever started kiln (nohup, a shell's background job) stay ignored.
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old{};
      if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) sigdelset(&set, sig);
    }
    if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return;
    std::thread(wait_and_clean, set).detach();
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
