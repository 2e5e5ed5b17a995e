#pragma once
// glibc malloc settings for tensor workloads, applied once at start.
//
// By default glibc serves blocks above a dynamic threshold with fresh mmap()s and trims freed
// heap memory back to the OS. A training step allocates and frees tens of activation tensors of
// 5–20 MB each, so every step paid for unmapping and re-faulting (zeroing) those pages: measured
// on simple_cnn at batch 128, one training step took ~260 ms by default and ~185–220 ms with
// the heap kept (bench/RESULTS.md, "Training").
namespace kiln {

// Keeps blocks up to 32 MiB (glibc's maximum) on the heap and freed memory in the process.
// KILN_MALLOC_DEFAULTS=1 leaves glibc's defaults alone (for comparisons).
void tune_allocator_for_tensors();

}  // namespace kiln
