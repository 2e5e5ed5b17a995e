#pragma once
// A loaded TorchScript module made to compute in float64 throughout, for the export's rounding
// oracle (how far LibTorch's own float32 result is from the float64 one). Module::to(kDouble)
// converts parameters and buffers only; a trace also writes float32 into its graphs — the dtype
// of `torch.zeros(..., dtype=x.dtype)` it ran, constant tensors it captured — and those would
// drop the computation back to float32 or stop it (`mat1 and mat2 must have the same dtype`:
// torchvision's MultiScaleRoIAlign in a traced Faster R-CNN).
#include <vector>

#include <torch/script.h>

namespace kiln {

// Parameters, buffers, float32 dtype arguments and float32 constant tensors of every method of
// `m` and its submodules become float64. Returns how many graph values were rewritten. The model
// is then held in float64: twice its float32 size.
int widen_to_float64(torch::jit::Module& m);

// The same computation holding the weights in float32: the module is frozen (its weights become
// constants of the graph, the storage the loaded module had) and each float32 constant is cast to
// float64 where it is used, so one weight at a time exists in float64 and is freed after its use
// (LibTorch's interpreter drops a value after its last use). Peak: the model once, not twice
// (fcn_resnet101: ~200 MB less). Float32 → float64 is exact, so the result is the float64
// module's. A module that cannot be frozen is widened whole (widen_to_float64).
class Float64Model {
 public:
  // Takes the loaded module (its tensors are shared, then only the frozen graph holds them).
  explicit Float64Model(torch::jit::Module loaded);

  // forward on float64 inputs, with LibTorch's executor optimizations off: its constant
  // propagation would fold each cast of a constant into a float64 constant, twice the model again.
  c10::IValue forward(std::vector<c10::IValue> inputs);

  // Casts inserted (0 when the module could not be frozen and was widened whole).
  int casts() const { return casts_; }
  bool frozen() const { return frozen_; }
  torch::jit::Module& module() { return module_; }

 private:
  torch::jit::Module module_;
  int casts_ = 0;
  bool frozen_ = false;
};

}  // namespace kiln
