#pragma once
// glibc malloc settings for tensor workloads, applied once at start.
//
// By default glibc serves blocks above a dynamic threshold with fresh mmap()s and trims freed
// heap memory back to the OS. A training step allocates and frees tens of activation tensors of
// 5–20 MB each, so every step paid for unmapping and re-faulting (zeroing) those pages: measured
// on simple_cnn at batch 128, one training step took ~260 ms by default and ~185–220 ms with
// the heap kept (bench/RESULTS.md, "Training").
namespace kiln {

// Keeps blocks up to `largest_heap_block` bytes on the heap and freed memory in the process.
// KILN_MALLOC_DEFAULTS=1 leaves glibc's defaults alone (for comparisons).
//
// The LibTorch binary (kiln-torch) keeps blocks up to kTorchHeapBlock: LibTorch allocates every
// temporary with malloc, and on the 2-vCPU VM of session 10 a page fault is so dear that evaluating
// simple_cnn on 1000 test images (86 MB activations) took 2.87 s with a 32 MiB threshold and 0.25 s
// with 256 MiB (bench/RESULTS.md, session 10). The ONNX-only `kiln` keeps 32 MiB: ONNX Runtime
// has its own arena, and kiln diff's memory bound leaves little room for heap fragmentation.
constexpr unsigned kCoreHeapBlock = 32u << 20;
constexpr unsigned kTorchHeapBlock = 256u << 20;
void tune_allocator_for_tensors(unsigned largest_heap_block);

}  // namespace kiln
