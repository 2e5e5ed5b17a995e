#include "common/allocator_tuning.h"

#include <malloc.h>

#include <cstdlib>

namespace kiln {

void tune_allocator_for_tensors(unsigned largest_heap_block) {
  const char* keep_defaults = std::getenv("KILN_MALLOC_DEFAULTS");
  if (keep_defaults != nullptr && keep_defaults[0] == '1') return;
  // Fixing the mmap threshold also stops glibc from adjusting it (and the trim threshold).
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(largest_heap_block));
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
}

}  // namespace kiln
