#include "runtime/ort_env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include <onnxruntime_cxx_api.h>

namespace kiln {

int silence_stderr() {
  std::fflush(stderr);
  int saved = ::dup(2);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (saved >= 0 && null >= 0) ::dup2(null, 2);
  if (null >= 0) ::close(null);
  return saved;
}

void restore_stderr(int saved) {
  if (saved < 0) return;
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
}

Ort::Env& ort_env() {
  // Leaked on purpose: ONNX Runtime must outlive every session, including ones in static objects.
  static Ort::Env* env =
      with_stderr_silenced([] { return new Ort::Env(ORT_LOGGING_LEVEL_FATAL, "kiln"); });
  return *env;
}

}  // namespace kiln
