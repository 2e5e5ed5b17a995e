#include "common/process_env.h"

#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace kiln {

void ensure_thread_environment(int argc, char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  const char* no_reexec = std::getenv("KILN_NO_REEXEC");
  if (no_reexec != nullptr && no_reexec[0] == '1') return;
  std::vector<char*> args(argv, argv + argc);
  args.push_back(nullptr);
  ::execv("/proc/self/exe", args.data());
  // execv failed (no /proc): carry on; results are correct, only slower.
}

}  // namespace kiln
