#pragma once
// The machine's fp32 matrix-multiply rate, measured inside the benchmark (LibTorch at::mm on
// OpenBLAS, n×n×n), so "batch-64 FP32 reaches X% of sgemm" compares figures from the same run.
#include "bench/bench_result.h"

namespace kiln {

// Takes ~reps × 2n³ / rate.
SgemmRate measure_sgemm(int n = 2048, int reps = 5);

}  // namespace kiln
