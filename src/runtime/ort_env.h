#pragma once
// The process-wide ONNX Runtime environment, created once. Creating it (and the first session)
// makes Debian's ONNX Runtime print ~570 "Schema error" lines on stderr (it registers schemas in
// the shared libonnx a second time); they are harmless and kept away from the user.
namespace Ort {
struct Env;
}

namespace kiln {

Ort::Env& ort_env();

// Runs `fn` with file descriptor 2 pointed at /dev/null (restored afterwards, also on throw).
template <class F>
auto with_stderr_silenced(F&& fn) -> decltype(fn());

// Non-template core of with_stderr_silenced: returns the saved descriptor (or -1).
int silence_stderr();
void restore_stderr(int saved);

template <class F>
auto with_stderr_silenced(F&& fn) -> decltype(fn()) {
  struct Restore {
    int saved;
    ~Restore() { restore_stderr(saved); }
  } restore{silence_stderr()};
  return fn();
}

}  // namespace kiln
