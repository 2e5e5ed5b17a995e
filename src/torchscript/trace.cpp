#include "torchscript/trace.h"

#include <fmt/format.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/script.h>

#include "common/error.h"
#include "common/shape.h"
#include "torchscript/torch_runtime.h"

namespace kiln {

TraceResult trace_module(torch::jit::Module self, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                         const torch::Tensor& example) {
  // The tracer refuses parameters that require grad (it would record autograd state).
  for (auto p : self.parameters()) p.requires_grad_(false);
  self.eval();
  TracerWarningCapture capture;
  std::shared_ptr<torch::jit::tracer::TracingState> state;
  try {
    auto traced = torch::jit::tracer::trace(
        {example}, [&](torch::jit::Stack in) -> torch::jit::Stack { return {forward(in.at(0).toTensor())}; },
        [](const at::Tensor&) { return std::string(); }, /*strict=*/true, /*force_outplace=*/false, &self, {"x"});
    state = traced.first;
  } catch (const c10::Error& e) {
    torch::jit::tracer::abandon();
    throw Error(fmt::format("tracing failed on input shape {}: {}", format_shape(example.sizes().vec()),
                            first_line(e.what_without_backtrace())));
  }
  const auto class_name = self.type()->name();
  if (!class_name) throw Error("tracing: the module's class has no name");
  auto name = c10::QualifiedName(*class_name, "forward");
  auto* fn = self._ivalue()->compilation_unit()->create_function(name, state->graph);
  self.type()->addMethod(fn);
  return {self, capture.warnings()};
}

}  // namespace kiln
