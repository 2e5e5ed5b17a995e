// The integration tests run LibTorch in process, as kiln-torch does, so they get the same glibc
// settings (common/allocator_tuning.h), set before main: without them a page fault per fresh page
// of every large temporary made LibTorch several times slower on a VM (bench/RESULTS.md,
// session 10).
#include "common/allocator_tuning.h"

namespace {

[[maybe_unused]] const bool allocator_tuned_for_libtorch =
    (kiln::tune_allocator_for_tensors(kiln::kTorchHeapBlock), true);

}  // namespace
