#include "common/thread_limit.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

int max_thread_count() {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(4, 4 * cores);
}

void check_thread_option(int64_t threads, const std::string& field, const std::string& zero) {
  if (threads < 0) throw OptionError(field, fmt::format("must be at least 0 (0: {})", zero));
  if (threads > max_thread_count())
    throw OptionError(
        field, fmt::format("must be at most {} (4 × the {} logical cores here), not {}",
                           max_thread_count(), std::max(1u, std::thread::hardware_concurrency()),
                           threads));
}

}  // namespace kiln
