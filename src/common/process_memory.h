#pragma once
// This process's memory as the kernel counts it (/proc/self/status): resident now and its
// high-water mark. What kiln diff budgets its chunks against and reports as peak memory.
#include <cstdint>

namespace kiln {

int64_t resident_bytes();       // VmRSS; 0 where /proc is not readable
int64_t peak_resident_bytes();  // VmHWM; 0 where /proc is not readable

// For finding which phase of a command sets its peak: with KILN_MEMORY_TRACE=1 in the
// environment, writes `kiln memory: PHASE: peak P MiB, now R MiB (anonymous A, files F)` to stderr, P being the highest
// resident size since the previous mark, and resets the high-water mark (so the process's own
// peak, and the ru_maxrss its parent sees, are not its real peak in that mode). Otherwise nothing.
void trace_memory(const char* phase);

}  // namespace kiln
