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

// Gives the heap's free pages back to the OS (malloc_trim). The settings above keep freed memory
// in the process; a phase that frees a model-sized block (the exporter's LibTorch weights once the
// ONNX initializers hold them) calls this, so the next phase's peak does not stack on it.
void return_free_memory();

// While it lives, blocks of 1 MiB and more get their own mmap and freed memory goes back to the
// OS at once; the settings tune_allocator_for_tensors made (if any) come back after. For the
// exporter, whose phases each hold a model-sized copy of the weights in blocks of every size:
// with the tensor settings the blocks one phase freed stayed resident under the next phase's
// (measured on vgg11: peak 1.56 GB with them, 1.26 GB with glibc's defaults).
class ReturnMemoryPromptly {
 public:
  ReturnMemoryPromptly();
  ~ReturnMemoryPromptly();
  ReturnMemoryPromptly(const ReturnMemoryPromptly&) = delete;
  ReturnMemoryPromptly& operator=(const ReturnMemoryPromptly&) = delete;
};

}  // namespace kiln
