#include "export/verification_oracles.h"

#include <ATen/Context.h>
#include <torch/script.h>

#include "common/allocator_tuning.h"
#include "runtime/torch_runner.h"
#include "torchscript/torch_runtime.h"
#include "torchscript/widen_to_float64.h"

namespace kiln {

HostTensor verification_tensor(const at::Tensor& t, std::string name) {
  if (t.is_quantized()) return from_torch(t.dequantize(), std::move(name));
  if (t.is_complex()) return from_torch(at::view_as_real(t.resolve_conj()), std::move(name));
  return from_torch(t, std::move(name));
}

namespace {

std::optional<std::vector<HostTensor>> outputs_of(const c10::IValue& value, size_t expected) {
  std::vector<HostTensor> out;
  for (auto& [name, t] : named_outputs(value)) out.push_back(verification_tensor(t, name));
  if (out.size() != expected) return std::nullopt;
  return out;
}

}  // namespace

std::vector<std::optional<std::vector<HostTensor>>> float64_outputs(
    const std::filesystem::path& model, const std::vector<VerificationCase>& cases) {
  std::vector<std::optional<std::vector<HostTensor>>> all(cases.size());
  try {
    torch::NoGradGuard no_grad;
    Float64Model m(load_torchscript(model));
    ReferenceKernels reference_kernels;
    for (size_t k = 0; k < cases.size(); ++k) {
      try {
        std::vector<c10::IValue> inputs;
        for (const auto& h : cases[k].inputs) {
          at::Tensor t = to_torch(h);
          inputs.emplace_back(t.is_floating_point() ? t.to(at::kDouble) : t);
        }
        all[k] = outputs_of(m.forward(inputs), cases[k].expected.size());
      } catch (const std::exception&) {
      }
    }
  } catch (const std::exception&) {
  }
  return_free_memory();  // the float64 module is gone
  return all;
}

std::optional<EngineRun> other_engine_outputs(const std::filesystem::path& model,
                                              const VerificationCase& c,
                                              const std::string& reference_engine) {
  const c10::QEngine current = at::globalContext().qEngine();
  struct Restore {
    c10::QEngine engine;
    ~Restore() { at::globalContext().setQEngine(engine); }
  } restore{current};
  torch::NoGradGuard no_grad;
  for (c10::QEngine e : at::globalContext().supportedQEngines()) {
    if (c10::toString(e) == reference_engine || e == c10::QEngine::NoQEngine) continue;
    try {
      at::globalContext().setQEngine(e);
      torch::jit::Module m = load_torchscript(model);
      ReferenceKernels reference_kernels;
      std::vector<c10::IValue> inputs;
      for (const auto& h : c.inputs) inputs.emplace_back(to_torch(h));
      auto outputs = outputs_of(m.forward(inputs), c.expected.size());
      if (!outputs) continue;
      return EngineRun{c10::toString(e), std::move(*outputs)};
    } catch (const std::exception&) {
      continue;
    }
  }
  return std::nullopt;
}

std::string quantized_engine_name() {
  return c10::toString(at::globalContext().qEngine());
}

}  // namespace kiln
