#pragma once
// The most threads a thread-count option may ask for (docs/security.md): a sane multiple of the
// machine's logical cores. `kiln bench --threads 100000` (or intra_op_threads: 100000 in a
// best.json) once started threads until the machine choked; counts above the cap are refused.
#include <cstdint>
#include <string>

namespace kiln {

// 4 × the logical cores (std::thread::hardware_concurrency; 1 when unknown), at least 4.
int max_thread_count();

// kiln::OptionError(field, …) when `threads` is negative or above max_thread_count(); `zero` says
// what 0 means for this option ("the engine's default").
void check_thread_option(int64_t threads, const std::string& field, const std::string& zero);

}  // namespace kiln
