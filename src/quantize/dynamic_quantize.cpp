#include "quantize/dynamic_quantize.h"

#include <unordered_map>

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/script.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "torchscript/torch_runtime.h"

namespace fs = std::filesystem;

namespace kiln {

void select_quantized_engine(const std::string& engine) {
  std::vector<std::string> available;
  for (auto e : at::globalContext().supportedQEngines()) {
    if (e == c10::QEngine::NoQEngine) continue;
    std::string name = c10::toString(e);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(ch));
    available.push_back(name);
    if (name == engine) {
      at::globalContext().setQEngine(e);
      return;
    }
  }
  throw UsageError(
      fmt::format("quantized engine '{}' is not available in this LibTorch (available: {})", engine,
                  fmt::join(available, ", ")));
}

namespace {

// PyTorch's default dynamic weight observer: symmetric int8, scale = max|w| / 127.5, zero point 0.
at::Tensor quantize_weight(const at::Tensor& w, bool per_channel) {
  auto wf = w.detach().to(at::kFloat).contiguous();
  constexpr double kHalfRange = 127.5;
  constexpr double kMinScale = 1.1920928955078125e-07;  // float eps, as torch's observers clamp
  if (per_channel) {
    auto scales = (wf.abs().amax({1}).to(at::kDouble) / kHalfRange).clamp_min(kMinScale);
    auto zps = at::zeros({wf.size(0)}, at::kLong);
    return at::quantize_per_channel(wf, scales, zps, 0, at::kQInt8);
  }
  double scale = std::max(wf.abs().max().item<double>() / kHalfRange, kMinScale);
  return at::quantize_per_tensor(wf, scale, 0, at::kQInt8);
}

c10::IValue prepack(const at::Tensor& qweight, const std::optional<at::Tensor>& bias) {
  auto op = c10::Dispatcher::singleton().findSchemaOrThrow("quantized::linear_prepack", "");
  torch::jit::Stack stack{qweight, bias ? c10::IValue(*bias) : c10::IValue()};
  op.callBoxed(&stack);
  return stack.back();
}

struct LinearSite {
  std::string layer;
  bool quantized = false;
  std::string reason;
  std::vector<int64_t> shape;
};

}  // namespace

QuantizeResult quantize_dynamic(const QuantizeOptions& o) {
  if (o.out.empty()) throw UsageError("--out is required");
  select_quantized_engine(o.engine);
  ensure_writable_dir(o.out.parent_path().empty() ? fs::path(".") : o.out.parent_path());
  auto module = load_torchscript(o.model);
  std::unordered_map<const void*, std::string> names;
  for (const auto& p : module.named_parameters(true)) names[p.value.storage().data()] = p.name;

  torch::jit::Module frozen;
  try {
    frozen = torch::jit::freeze_module(module);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("cannot freeze {}: {}", o.model.string(),
                            first_line(e.what_without_backtrace())));
  }
  auto graph = frozen.get_method("forward").graph();

  std::vector<LinearSite> sites;
  std::vector<torch::jit::Node*> linears;
  std::function<void(torch::jit::Block*)> collect = [&](torch::jit::Block* b) {
    for (auto* n : b->nodes()) {
      if (n->kind() == c10::aten::linear) linears.push_back(n);
      for (auto* sub : n->blocks()) collect(sub);
    }
  };
  collect(graph->block());

  int index = 0;
  for (auto* n : linears) {
    LinearSite site;
    auto w = torch::jit::toIValue(n->input(1));
    site.layer = fmt::format("linear #{}", index++);
    if (w && w->isTensor()) {
      auto it = names.find(w->toTensor().storage().data());
      if (it != names.end()) site.layer = it->second.substr(0, it->second.rfind(".weight"));
      site.shape = w->toTensor().sizes().vec();
    }
    auto b = torch::jit::toIValue(n->input(2));
    if (!w || !w->isTensor()) {
      site.reason = "weight is computed at run time, not a parameter";
    } else if (w->toTensor().scalar_type() != at::kFloat) {
      site.reason = fmt::format("weight dtype is {}, not float32",
                                c10::toString(w->toTensor().scalar_type()));
    } else if (!b) {
      site.reason = "bias is computed at run time";
    } else {
      std::optional<at::Tensor> bias;
      if (b->isTensor()) bias = b->toTensor().detach().to(at::kFloat).contiguous();
      auto packed = prepack(quantize_weight(w->toTensor(), o.per_channel), bias);
      torch::jit::WithInsertPoint guard(n);
      auto* packed_value = torch::jit::insertConstant(*graph, packed);
      auto* reduce_range = graph->insertConstant(false);
      auto* q = graph->create(c10::Symbol::fromQualString("quantized::linear_dynamic"),
                              {n->input(0), packed_value, reduce_range}, 1);
      q->insertBefore(n);
      q->output()->setType(n->output()->type());
      n->output()->replaceAllUsesWith(q->output());
      n->destroy();
      site.quantized = true;
    }
    sites.push_back(site);
  }
  torch::jit::EliminateDeadCode(graph);

  QuantizeResult report;
  report.model = o.model.string();
  report.engine = o.engine;
  report.weight_scheme = o.per_channel ? "per-channel symmetric int8" : "per-tensor symmetric int8";
  report.activations = "quantized at run time (dynamic), uint8";
  int quantized = 0;
  for (const auto& s : sites) {
    report.layers.push_back({s.layer, s.quantized, s.shape,
                             s.quantized ? std::nullopt : std::optional<std::string>(s.reason)});
    quantized += s.quantized;
  }
  report.quantized_layers = quantized;
  report.fp32_layers = static_cast<int>(sites.size()) - quantized;
  if (sites.empty()) {
    // Refuse rather than write an "INT8" file identical to the input: the user asked for INT8.
    throw Error(fmt::format("{}: nothing to quantize: the model has no Linear layer (aten::linear)",
                            o.model.string()));
  }
  save_torchscript(frozen, o.out);
  report.out = o.out.string();
  report.size_bytes = {fs::file_size(o.model), fs::file_size(o.out)};
  return report;
}

std::string quantize_report_text(const QuantizeResult& r) {
  std::string out;
  for (const auto& l : r.layers) {
    out += fmt::format("{:<16} {:<12} {}\n", l.layer,
                       fmt::format("{}", fmt::join(l.weight_shape, "x")),
                       l.quantized ? "int8 (dynamic)" : "left in FP32: " + l.reason.value_or("?"));
  }
  const SizeBytes& s = r.size_bytes;
  out += fmt::format(
      "{} of {} Linear layers quantized ({}, engine {}); {} → {} bytes ({:.2f}×)\nwrote {}\n",
      r.quantized_layers, r.layers.size(), r.weight_scheme, r.engine, s.fp32, s.int8,
      double(s.fp32) / double(s.int8), r.out);
  return out;
}

}  // namespace kiln
