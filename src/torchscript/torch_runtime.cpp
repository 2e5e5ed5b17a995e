#include "torchscript/torch_runtime.h"

#include <mutex>
#include <set>
#include <sstream>

#include <ATen/Context.h>
#include <fmt/format.h>
#include <torch/csrc/jit/passes/graph_fuser.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/passes/tensorexpr_fuser.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/script.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "torchscript/op_libraries.h"

namespace fs = std::filesystem;

namespace kiln {

void configure_torchscript_executor() {
  static std::once_flag once;
  std::call_once(once, [] {
    torch::jit::setTensorExprFuserEnabled(false);
    torch::jit::overrideCanFuseOnCPULegacy(false);
    torch::jit::getProfilingMode() = false;
  });
}

namespace {

// The first non-empty line of a LibTorch message (some start with a newline).
std::string first_text_line(const std::string& message) {
  size_t start = 0;
  while (start < message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    std::string line = message.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
    start = end + 1;
  }
  return message;
}

}  // namespace

torch::jit::Module load_torchscript(const fs::path& path) {
  configure_torchscript_executor();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(fmt::format("{}: no such file", path.string()));
  if (fs::is_directory(path, ec)) throw Error(fmt::format("{}: is a directory, expected a TorchScript .pt file", path.string()));
  bool tried_torchvision = false;
  while (true) {
    std::string message;
    try {
      auto m = torch::jit::load(path.string(), torch::kCPU);
      m.eval();
      return m;
    } catch (const c10::Error& e) {
      message = e.what_without_backtrace();
    } catch (const std::exception& e) {
      message = e.what();
    }
    std::string op = unknown_op_in(message);
    if (op.empty()) throw Error(fmt::format("{}: not a TorchScript archive ({})", path.string(), first_text_line(message)));
    // An op no loaded library provides: torchvision's library when the op is torchvision's.
    if (op.rfind("torchvision::", 0) == 0 && !tried_torchvision) {
      tried_torchvision = true;
      if (auto lib = find_torchvision_library()) {
        load_op_libraries({*lib});
        continue;
      }
      throw Error(fmt::format("{}: the model calls {}, and torchvision's op library was not found (install python3-torchvision, "
                              "set KILN_TORCHVISION_LIBRARY, or pass --ops-library PATH)",
                              path.string(), op));
    }
    throw Error(fmt::format("{}: the model calls {}, which no loaded op library provides (pass the library that registers "
                            "'{}' ops with --ops-library PATH)",
                            path.string(), op, op.substr(0, op.find("::"))));
  }
}

std::string torch_error_summary(const std::string& message) { return error_cause(message); }

torch::Tensor run_forward(torch::jit::Module& module, const torch::Tensor& x) {
  c10::IValue out;
  try {
    out = module.forward({x});
  } catch (const c10::Error& e) {
    throw Error(fmt::format("the model rejects input shape {}: {}", format_shape(x.sizes().vec()),
                            torch_error_summary(e.what_without_backtrace())));
  } catch (const std::exception& e) {
    throw Error(fmt::format("the model rejects input shape {}: {}", format_shape(x.sizes().vec()), torch_error_summary(e.what())));
  }
  if (out.isTensor()) return out.toTensor();
  if (out.isTuple() && !out.toTupleRef().elements().empty() && out.toTupleRef().elements()[0].isTensor()) {
    return out.toTupleRef().elements()[0].toTensor();
  }
  throw Error(fmt::format("the model's forward returns {}, expected a tensor", out.tagKind()));
}

namespace {

void collect_named(const c10::IValue& v, const std::string& name, bool top, const std::string& output_name,
                   std::vector<std::pair<std::string, torch::Tensor>>& out) {
  auto child = [&](const std::string& part) { return top ? part : name + "." + part; };
  if (v.isTensor()) {
    const auto& t = v.toTensor();
    out.emplace_back(top ? output_name : name, t.is_quantized() ? t.dequantize() : t);  // ONNX outputs it dequantized
  } else if (v.isTuple() || v.isList()) {
    auto elems = v.isTuple() ? v.toTupleRef().elements().vec() : v.toListRef().vec();
    for (size_t i = 0; i < elems.size(); ++i) collect_named(elems[i], child(fmt::format("{}_{}", output_name, i)), false, output_name, out);
  } else if (v.isGenericDict()) {
    for (const auto& e : v.toGenericDict()) {
      if (!e.key().isString()) throw Error("the model returns a dict with non-string keys, which has no ONNX form");
      collect_named(e.value(), child(e.key().toStringRef()), false, output_name, out);
    }
  } else if (v.isInt() || v.isDouble() || v.isBool()) {  // a number: a 0-d tensor, as the exporter writes it
    auto t = v.isInt() ? torch::scalar_tensor(v.toInt(), torch::kLong)
             : v.isBool() ? torch::scalar_tensor(v.toBool(), torch::kBool)
                          : torch::scalar_tensor(v.toDouble(), torch::kFloat);
    out.emplace_back(top ? output_name : name, t);
  } else if (!v.isNone()) {
    throw Error(fmt::format("the model returns a {}, which has no tensor form", v.tagKind()));
  }
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> named_outputs(const c10::IValue& value, const std::string& output_name) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  collect_named(value, output_name, true, output_name, out);
  return out;
}

void save_torchscript(const torch::jit::Module& module, const fs::path& path) {
  std::ostringstream buffer;
  module.save(buffer);
  write_file_atomic(path, buffer.str());
}

torch::jit::Module copy_structure(const torch::jit::Module& source, const std::string& class_name) {
  configure_torchscript_executor();
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  std::function<torch::jit::Module(const torch::jit::Module&, const std::string&)> copy =
      [&](const torch::jit::Module& src, const std::string& name) {
        torch::jit::Module dst(c10::QualifiedName(name), cu, /*shouldMangle=*/true);
        dst.register_attribute("training", c10::BoolType::get(), false);
        for (const auto& p : src.named_parameters(/*recurse=*/false)) dst.register_parameter(p.name, p.value, false);
        for (const auto& b : src.named_buffers(/*recurse=*/false)) dst.register_buffer(b.name, b.value);
        for (const auto& child : src.named_children()) dst.register_module(child.name, copy(child.value, name + "." + child.name));
        return dst;
      };
  return copy(source, class_name);
}

torch::jit::Module copy_structure(const torch::nn::Module& source, const std::string& class_name) {
  configure_torchscript_executor();
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  std::function<torch::jit::Module(const torch::nn::Module&, const std::string&)> copy =
      [&](const torch::nn::Module& src, const std::string& name) {
        torch::jit::Module dst(c10::QualifiedName(name), cu, /*shouldMangle=*/true);
        dst.register_attribute("training", c10::BoolType::get(), false);
        for (const auto& p : src.named_parameters(/*recurse=*/false)) dst.register_parameter(p.key(), p.value(), false);
        for (const auto& b : src.named_buffers(/*recurse=*/false)) dst.register_buffer(b.key(), b.value());
        for (const auto& child : src.named_children()) {
          // Parameter-free children (Dropout) are not referenced by the scripted source.
          if (child.value()->parameters().empty() && child.value()->buffers().empty()) continue;
          dst.register_module(child.key(), copy(*child.value(), name + "." + child.key()));
        }
        return dst;
      };
  return copy(source, class_name);
}

namespace {

std::mutex g_warn_mutex;
std::vector<std::string> g_warnings;

void record_warning(const std::string& msg) {
  std::lock_guard<std::mutex> lock(g_warn_mutex);
  std::string line = first_line(msg);
  for (const auto& w : g_warnings)
    if (w == line) return;
  g_warnings.push_back(line);
}

void ignore_warning(const std::string&) {}

}  // namespace

ReferenceKernels::ReferenceKernels() : onednn_was_enabled_(at::globalContext().userEnabledMkldnn()) {
  at::globalContext().setUserEnabledMkldnn(false);
}

ReferenceKernels::~ReferenceKernels() { at::globalContext().setUserEnabledMkldnn(onednn_was_enabled_); }

TracerWarningCapture::TracerWarningCapture() {
  std::lock_guard<std::mutex> lock(g_warn_mutex);
  g_warnings.clear();
  torch::jit::tracer::setWarn(record_warning);
}

TracerWarningCapture::~TracerWarningCapture() { torch::jit::tracer::setWarn(ignore_warning); }

const std::vector<std::string>& TracerWarningCapture::warnings() const { return g_warnings; }

}  // namespace kiln
