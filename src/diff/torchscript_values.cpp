#include "diff/torchscript_values.h"

#include <fmt/format.h>
#include <torch/csrc/jit/runtime/interpreter.h>

#include "common/error.h"
#include "export/frozen_graph.h"
#include "runtime/torch_runner.h"
#include "torchscript/torch_runtime.h"

namespace kiln {

namespace {

class TorchscriptValues : public ReferenceValues {
 public:
  TorchscriptValues(const std::filesystem::path& model, const std::vector<InputSpec>& specs)
      : what_(model.string()) {
    torch::NoGradGuard no_grad;
    auto module = load_torchscript(model);
    frozen_ = freeze_for_export(module, example_inputs(specs, /*second=*/false, 1));
  }

  std::vector<HostTensor> run(const std::vector<HostTensor>& inputs,
                              const std::vector<std::string>& keys) override {
    torch::NoGradGuard no_grad;
    ReferenceKernels reference_kernels;
    if (keys != keys_) prepare(keys);
    torch::jit::Stack stack;
    stack.emplace_back(frozen_.module._ivalue());
    for (const auto& t : inputs) stack.emplace_back(to_torch(t));
    try {
      torch::jit::InterpreterState(*code_).run(stack);
    } catch (const c10::Error& e) {
      throw Error(fmt::format("{}: the model rejects the diff's inputs: {}", what_,
                              torch_error_summary(e.what_without_backtrace())));
    }
    // The graph's own outputs come first, the registered values last.
    std::vector<HostTensor> out;
    const size_t first = stack.size() - keys.size();
    for (size_t i = 0; i < keys.size(); ++i) {
      const c10::IValue& v = stack[first + i];
      if (!v.isTensor())
        throw Error(fmt::format("{}: value {} is not a tensor", what_, keys[i]));
      out.push_back(from_torch(v.toTensor().contiguous(), keys[i]));
    }
    return out;
  }

 private:
  std::string what_;
  FrozenGraph frozen_;
  std::vector<std::string> keys_;
  std::unique_ptr<torch::jit::Code> code_;

  // A copy of the frozen graph returning `keys` too (as they were when computed), compiled for the
// interpreter.
  void prepare(const std::vector<std::string>& keys) {
    auto graph = frozen_.graph->copy();
    std::vector<torch::jit::Node*> nodes(graph->nodes().begin(), graph->nodes().end());
    for (const auto& key : keys) {
      size_t colon = key.find(':');
      size_t n = std::stoul(key.substr(0, colon)), o = std::stoul(key.substr(colon + 1));
      if (n >= nodes.size() || o >= nodes[n]->outputs().size())
        throw Error(fmt::format(
            "{}: the export report's value {} is not in the frozen graph (was it made from "
            "another model file?)",
            what_, key));
      // A clone right where the value is made: a later in-place op (relu_, add_) would
      // otherwise change it before the graph returns.
      torch::jit::WithInsertPoint here(nodes[n]->next());
      graph->registerOutput(graph->insert(c10::aten::clone, {nodes[n]->outputs()[o]}));
    }
    code_ = std::make_unique<torch::jit::Code>(graph, "kiln_diff");
    keys_ = keys;
  }
};

}  // namespace

std::unique_ptr<ReferenceValues> open_torchscript_values(const std::filesystem::path& model,
                                                         const std::vector<InputSpec>& specs) {
  return std::make_unique<TorchscriptValues>(model, specs);
}

}  // namespace kiln
