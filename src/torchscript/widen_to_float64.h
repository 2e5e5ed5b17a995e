#pragma once
// A loaded TorchScript module made to compute in float64 throughout, for the export's rounding
// oracle (how far LibTorch's own float32 result is from the float64 one). Module::to(kDouble)
// converts parameters and buffers only; a trace also writes float32 into its graphs — the dtype
// of `torch.zeros(..., dtype=x.dtype)` it ran, constant tensors it captured — and those would
// drop the computation back to float32 or stop it (`mat1 and mat2 must have the same dtype`:
// torchvision's MultiScaleRoIAlign in a traced Faster R-CNN).
#include <torch/script.h>

namespace kiln {

// Parameters, buffers, float32 dtype arguments and float32 constant tensors of every method of
// `m` and its submodules become float64. Returns how many graph values were rewritten.
int widen_to_float64(torch::jit::Module& m);

}  // namespace kiln
