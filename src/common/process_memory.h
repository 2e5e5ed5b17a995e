#pragma once
// This process's memory as the kernel counts it (/proc/self/status): resident now and its
// high-water mark. What kiln diff budgets its chunks against and reports as peak memory.
#include <cstdint>

namespace kiln {

int64_t resident_bytes();       // VmRSS; 0 where /proc is not readable
int64_t peak_resident_bytes();  // VmHWM; 0 where /proc is not readable

}  // namespace kiln
