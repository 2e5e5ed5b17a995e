#pragma once
// Loading and running TorchScript modules with errors a user can read (LibTorch's own messages
// carry C++ stack traces). LibTorch translation units only.
#include <filesystem>
#include <string>
#include <vector>

#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>

#include "common/shape.h"

namespace kiln {

// Puts LibTorch's TorchScript executor in kiln's inference mode, once per process: no profiling
// re-optimization and no TensorExpr fuser. Why: after a module ran twice, the profiling executor
// hands fusible elementwise chains (BN→ReLU6→hardswish→sigmoid) to the TensorExpr fuser, whose
// LLVM code generation never returns in Debian's LibTorch 2.6 (seen: export of a depthwise block
// and of densenet121 hung for 10+ minutes; Python's torch hangs the same way). Every path that
// loads or builds a TorchScript module calls this first (load_torchscript, copy_structure).
void configure_torchscript_executor();
// Loads a TorchScript archive on the CPU in eval mode; kiln::Error when it is not one.
torch::jit::Module load_torchscript(const std::filesystem::path& path);
// Runs forward on one tensor and returns the (first) tensor output; kiln::Error naming the
// shape when the module rejects the input.
torch::Tensor run_forward(torch::jit::Module& module, const torch::Tensor& x);
// The tensors of a return value with the names `kiln export` gives them: a lone tensor is
// `output_name`, tuple/list positions `<output_name>_<i>`, dict entries their key, nested ones
// joined with '.'; None entries are skipped. kiln::Error for values with no tensor form.
std::vector<std::pair<std::string, torch::Tensor>> named_outputs(const c10::IValue& value,
                                                                 const std::string& output_name = "output");
// The cause in a LibTorch error message (TorchScript's tracebacks put it on the last line).
std::string torch_error_summary(const std::string& message);
// Saves atomically (temporary name, then rename).
void save_torchscript(const torch::jit::Module& module, const std::filesystem::path& path);

// A fresh module holding the same tensors (parameters, buffers) and submodules as `source`, with
// no methods: the `self` for a trace, or the base for a scripted forward. Tensors are shared.
torch::jit::Module copy_structure(const torch::jit::Module& source, const std::string& class_name);
// The same for an eager nn::Module (a built-in model).
torch::jit::Module copy_structure(const torch::nn::Module& source, const std::string& class_name);

// While alive, LibTorch computes with its own kernels instead of oneDNN's (mkldnn); restores the
// previous setting after. Every run in which LibTorch is the reference an ONNX model is checked
// against holds one: export verification, TorchRunner (compare, validate, pack) and diff's
// TorchScript values. Why: Debian's LibTorch 2.6 with oneDNN 3.7.2 computed a 3×3 convolution
// with 24 input channels (padded to oneDNN's block of 16; jit:avx512_core) wrong on an AMD EPYC
// with AVX-512: torchvision googlenet's inception4b.branch3.1 was off by a relative 0.45 against
// float64, where LibTorch's own kernels and ONNX Runtime agree with float64 to 1e-7
// (bench/RESULTS.md, "oneDNN"). Training, bench and precision keep oneDNN: they time, not check.
class ReferenceKernels {
 public:
  ReferenceKernels();
  ~ReferenceKernels();
  ReferenceKernels(const ReferenceKernels&) = delete;
  ReferenceKernels& operator=(const ReferenceKernels&) = delete;

 private:
  bool onednn_was_enabled_;
};

// Collects the tracer's warnings (e.g. a tensor converted to a Python bool) while alive.
class TracerWarningCapture {
 public:
  TracerWarningCapture();
  ~TracerWarningCapture();
  TracerWarningCapture(const TracerWarningCapture&) = delete;
  TracerWarningCapture& operator=(const TracerWarningCapture&) = delete;
  const std::vector<std::string>& warnings() const;
};

}  // namespace kiln
