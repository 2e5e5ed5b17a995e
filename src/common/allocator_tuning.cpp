#include "common/allocator_tuning.h"

#include <malloc.h>

#include <cstdlib>

namespace kiln {

namespace {
unsigned tuned_heap_block = 0;  // what tune_allocator_for_tensors set; 0: glibc's defaults
constexpr int kTensorTrim = 1024 * 1024 * 1024, kTensorTopPad = 64 * 1024 * 1024;
constexpr int kPromptBlock = 1024 * 1024;
}  // namespace

void tune_allocator_for_tensors(unsigned largest_heap_block) {
  const char* keep_defaults = std::getenv("KILN_MALLOC_DEFAULTS");
  if (keep_defaults != nullptr && keep_defaults[0] == '1') return;
  // Fixing the mmap threshold also stops glibc from adjusting it (and the trim threshold).
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(largest_heap_block));
  mallopt(M_TRIM_THRESHOLD, kTensorTrim);
  mallopt(M_TOP_PAD, kTensorTopPad);
  tuned_heap_block = largest_heap_block;
}

ReturnMemoryPromptly::ReturnMemoryPromptly() {
  mallopt(M_MMAP_THRESHOLD, kPromptBlock);
  mallopt(M_TRIM_THRESHOLD, kPromptBlock);
  mallopt(M_TOP_PAD, 0);
  malloc_trim(0);
}

ReturnMemoryPromptly::~ReturnMemoryPromptly() {
  if (tuned_heap_block == 0) return;  // (glibc keeps the fixed 1 MiB threshold: close to its default)
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(tuned_heap_block));
  mallopt(M_TRIM_THRESHOLD, kTensorTrim);
  mallopt(M_TOP_PAD, kTensorTopPad);
}

void return_free_memory() {
  malloc_trim(0);
}

}  // namespace kiln
