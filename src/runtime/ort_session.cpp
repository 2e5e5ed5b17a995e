#include "runtime/ort_session.h"

#include <unistd.h>

#include <random>

#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnxruntime_cxx_api.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/signal_cleanup.h"
#include "common/thread_limit.h"
#include "onnx/model_io.h"
#include "onnx/untrusted_model.h"
#include "onnx/weights_left_in_file.h"
#include "runtime/ort_env.h"

namespace kiln {

GraphOptLevel parse_graph_opt_level(const std::string& text) {
  if (text == "disable") return GraphOptLevel::Disable;
  if (text == "basic") return GraphOptLevel::Basic;
  if (text == "extended") return GraphOptLevel::Extended;
  if (text == "all") return GraphOptLevel::All;
  throw UsageError(
      fmt::format("unknown graph optimization level '{}' (disable, basic, extended, all)", text));
}

ExecutionProvider parse_execution_provider(const std::string& text) {
  if (text == "cpu") return ExecutionProvider::Cpu;
  if (text == "dnnl") return ExecutionProvider::Dnnl;
  throw UsageError(fmt::format("unknown execution provider '{}' (cpu, dnnl)", text));
}

std::string to_string(GraphOptLevel level) {
  switch (level) {
    case GraphOptLevel::Disable:
      return "disable";
    case GraphOptLevel::Basic:
      return "basic";
    case GraphOptLevel::Extended:
      return "extended";
    case GraphOptLevel::All:
      return "all";
  }
  return "?";
}

std::string to_string(ExecutionProvider provider) {
  return provider == ExecutionProvider::Dnnl ? "dnnl" : "cpu";
}

bool ValueInfo::supported() const {
  return is_tensor && is_supported_onnx_type(elem_type);
}

DType ValueInfo::dtype() const {
  if (!is_tensor)
    throw Error(fmt::format("'{}' is not a tensor (sequence, map or optional)", name));
  return dtype_from_onnx(elem_type, "'" + name + "'");
}

std::string ValueInfo::describe() const {
  if (!is_tensor) return "non-tensor";
  std::vector<std::string> dims;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] >= 0)
      dims.push_back(std::to_string(shape[i]));
    else
      dims.push_back(symbols[i].empty() ? "?" : symbols[i]);
  }
  std::string type = is_supported_onnx_type(elem_type) ? dtype_name(static_cast<DType>(elem_type))
                                                       : fmt::format("type{}", elem_type);
  return dims.empty() ? type + " scalar" : fmt::format("{} {}", type, fmt::join(dims, "x"));
}

struct OrtSession::Impl {
  std::string what;
  Ort::Session session{nullptr};
  std::vector<ValueInfo> inputs, outputs;
  std::vector<const char*> input_names, output_names;  // point into inputs/outputs
  std::vector<HostTensor> prepared;                    // owns the data the views point at
  std::vector<Ort::Value> prepared_values, prepared_results;
};

namespace {

ValueInfo describe(const std::string& name, const Ort::TypeInfo& type) {
  ValueInfo v;
  v.name = name;
  if (type.GetONNXType() != ONNX_TYPE_TENSOR) {
    v.is_tensor = false;
    return v;
  }
  auto info = type.GetTensorTypeAndShapeInfo();
  v.elem_type = static_cast<int32_t>(info.GetElementType());
  v.shape = info.GetShape();
  std::vector<const char*> symbols(v.shape.size(), nullptr);
  if (!symbols.empty()) info.GetSymbolicDimensions(symbols.data(), symbols.size());
  for (size_t i = 0; i < v.shape.size(); ++i) {
    v.symbols.push_back(v.shape[i] < 0 && symbols[i] ? symbols[i] : "");
    if (v.shape[i] < 0) v.shape[i] = -1;
  }
  return v;
}

Ort::SessionOptions make_options(const SessionOptions& o) {
  Ort::SessionOptions so;
  // Every caller's option was checked already; this is the last line before threads start.
  if (o.intra_op_threads < 0 || o.intra_op_threads > max_thread_count())
    throw Error(fmt::format("{} intra-op threads: at most {} (4 × the logical cores here)",
                            o.intra_op_threads, max_thread_count()));
  if (o.intra_op_threads > 0) so.SetIntraOpNumThreads(o.intra_op_threads);
  so.SetInterOpNumThreads(1);
  switch (o.optimization) {
    case GraphOptLevel::Disable:
      so.SetGraphOptimizationLevel(ORT_DISABLE_ALL);
      break;
    case GraphOptLevel::Basic:
      so.SetGraphOptimizationLevel(ORT_ENABLE_BASIC);
      break;
    case GraphOptLevel::Extended:
      so.SetGraphOptimizationLevel(ORT_ENABLE_EXTENDED);
      break;
    case GraphOptLevel::All:
      so.SetGraphOptimizationLevel(ORT_ENABLE_ALL);
      break;
  }
  so.AddConfigEntry("session.intra_op.allow_spinning", o.allow_spinning ? "1" : "0");
  if (!o.memory_arena) so.DisableCpuMemArena();
  if (o.initializers_from_allocator) so.AddConfigEntry("session.use_device_allocator_for_initializers", "1");
  if (o.provider == ExecutionProvider::Dnnl) {
    OrtDnnlProviderOptions* dnnl = nullptr;
    Ort::ThrowOnError(Ort::GetApi().CreateDnnlProviderOptions(&dnnl));
    std::unique_ptr<OrtDnnlProviderOptions, void (*)(OrtDnnlProviderOptions*)> guard(
        dnnl, [](OrtDnnlProviderOptions* p) { Ort::GetApi().ReleaseDnnlProviderOptions(p); });
    so.AppendExecutionProvider_Dnnl(*dnnl);
  }
  return so;
}

// Debian's ONNX Runtime prints its schema-registration noise on the first session in a process.
std::atomic<bool> first_session{true};

}  // namespace

OrtSession::OrtSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OrtSession::OrtSession(OrtSession&&) noexcept = default;
OrtSession& OrtSession::operator=(OrtSession&&) noexcept = default;
OrtSession::~OrtSession() = default;

OrtSession OrtSession::from_file(const std::filesystem::path& path, const SessionOptions& options) {
  // The weights stay in the file (onnx/weights_left_in_file.h): the untrusted checks read the graph
  // only, and ONNX Runtime reads each large initializer from the file itself, instead of the whole
  // file read, parsed for the checks and handed over as bytes beside ONNX Runtime's own copy. A
  // symlink (whose folder is not the file's) and a file that does not read as a model take the
  // old way, where ONNX Runtime's own message says what is wrong.
  std::error_code ec;
  if (!std::filesystem::is_symlink(path, ec)) {
    std::optional<onnx::ModelProto> graph;
    try {
      graph = load_model_weights_left_in_file(path);
    } catch (const Error&) {
    }
    if (graph) {
      const std::filesystem::path folder = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
      check_untrusted_model(*graph, folder, path.string());
      const std::string bytes = graph->SerializeAsString();
      graph.reset();
      return create(bytes, nullptr, options, path.string(), &folder);
    }
  }
  std::string bytes = read_file(path);
  if (bytes.empty()) throw Error(fmt::format("{}: empty file, not an ONNX model", path.string()));
  return open(bytes, &path, options, path.string());
}

OrtSession OrtSession::from_bytes(std::string_view bytes, const SessionOptions& options,
                                  const std::string& what) {
  return open(bytes, nullptr, options, what);
}

OrtSession OrtSession::from_model(const onnx::ModelProto& model, const SessionOptions& options,
                                  const std::string& what) {
  if (!needs_external_data(model)) return from_bytes(serialize_model(model), options, what);
  std::error_code ec;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path(ec) /
      fmt::format("kiln-model-{}-{:x}", ::getpid(), std::random_device{}());
  CleanupOnSignal guard(dir);
  struct RemoveAll {
    std::filesystem::path dir;
    ~RemoveAll() {
      std::error_code e;
      std::filesystem::remove_all(dir, e);
    }
  } remove{dir};
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("{}: cannot create a temporary folder: {}", what, ec.message()));
  save_model(model, dir / "model.onnx");
  try {
    return from_file(dir / "model.onnx", options);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", what, first_line(e.what())));
  }
}

OrtSession OrtSession::open(std::string_view bytes, const std::filesystem::path* file,
                            const SessionOptions& options, const std::string& what) {
  // Bytes that do not parse are left to ONNX Runtime, whose message says why. The parsed copy
  // is gone before ONNX Runtime parses its own (one copy of the weights less at the peak).
  bool external = false;
  if (bytes.size() <= static_cast<size_t>(std::numeric_limits<int>::max())) {
    onnx::ModelProto model;
    if (model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      std::optional<std::filesystem::path> folder;
      if (file) folder = file->parent_path();
      check_untrusted_model(model, folder, what);
      external = has_external_data(model);
    }
  }
  return create(bytes, external ? file : nullptr, options, what);
}

OrtSession OrtSession::from_own_file(const std::filesystem::path& path, const SessionOptions& options) {
  const std::string graph = load_model_weights_left_in_file(path).SerializeAsString();
  const std::filesystem::path folder = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  return create(graph, nullptr, options, path.string(), &folder);
}

OrtSession OrtSession::create(std::string_view bytes, const std::filesystem::path* file, const SessionOptions& options,
                              const std::string& what, const std::filesystem::path* weights_folder) {
  auto impl = std::make_unique<Impl>();
  impl->what = what;
  Ort::Env& env = ort_env();
  try {
    Ort::SessionOptions so = make_options(options);
    if (weights_folder) so.AddConfigEntry("session.model_external_initializers_file_folder_path", weights_folder->c_str());
    // External data is read relative to the model's path, so such a model opens from its file.
    auto make = [&] {
      return file ? Ort::Session(env, file->c_str(), so) : Ort::Session(env, bytes.data(), bytes.size(), so);
    };
    impl->session = first_session.exchange(false) ? with_stderr_silenced(make) : make();
  } catch (const Ort::Exception& e) {
    throw Error(
        fmt::format("{}: ONNX Runtime cannot load the model: {}", what, first_line(e.what())));
  }
  Ort::AllocatorWithDefaultOptions alloc;
  for (size_t i = 0; i < impl->session.GetInputCount(); ++i) {
    impl->inputs.push_back(describe(impl->session.GetInputNameAllocated(i, alloc).get(),
                                    impl->session.GetInputTypeInfo(i)));
  }
  for (size_t i = 0; i < impl->session.GetOutputCount(); ++i) {
    impl->outputs.push_back(describe(impl->session.GetOutputNameAllocated(i, alloc).get(),
                                     impl->session.GetOutputTypeInfo(i)));
  }
  for (const auto& v : impl->inputs) impl->input_names.push_back(v.name.c_str());
  for (const auto& v : impl->outputs) impl->output_names.push_back(v.name.c_str());
  return OrtSession(std::move(impl));
}

const std::vector<ValueInfo>& OrtSession::inputs() const {
  return impl_->inputs;
}
const std::vector<ValueInfo>& OrtSession::outputs() const {
  return impl_->outputs;
}
const std::string& OrtSession::what() const {
  return impl_->what;
}
Ort::Session& OrtSession::raw() {
  return impl_->session;
}

namespace {

// Puts `given` in the session's input order after checking names, element types and shapes.
std::vector<const HostTensor*> match_inputs(const std::string& what,
                                            const std::vector<ValueInfo>& want,
                                            const std::vector<HostTensor>& given) {
  std::vector<const HostTensor*> order(want.size(), nullptr);
  bool named =
      std::any_of(given.begin(), given.end(), [](const HostTensor& t) { return !t.name.empty(); });
  std::vector<std::string> names;
  for (const auto& w : want) names.push_back(w.name);
  if (!named) {
    if (given.size() != want.size()) {
      throw Error(fmt::format("{}: expects {} input(s) ({}), got {}", what, want.size(),
                              fmt::join(names, ", "), given.size()));
    }
    for (size_t i = 0; i < given.size(); ++i) order[i] = &given[i];
  } else {
    for (const auto& t : given) {
      auto it = std::find(names.begin(), names.end(), t.name);
      if (it == names.end()) {
        throw Error(fmt::format("{}: unknown input '{}' (inputs: {})", what, t.name,
                                fmt::join(names, ", ")));
      }
      auto i = static_cast<size_t>(it - names.begin());
      if (order[i]) throw Error(fmt::format("{}: input '{}' given twice", what, t.name));
      order[i] = &t;
    }
    for (size_t i = 0; i < want.size(); ++i) {
      if (!order[i])
        throw Error(
            fmt::format("{}: missing input '{}' ({})", what, want[i].name, want[i].describe()));
    }
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const ValueInfo& w = want[i];
    const HostTensor& t = *order[i];
    if (!w.supported())
      throw Error(fmt::format("{}: input '{}' is a {}, not supported", what, w.name, w.describe()));
    bool ok = static_cast<int32_t>(t.dtype) == w.elem_type && t.shape.size() == w.shape.size();
    for (size_t d = 0; ok && d < w.shape.size(); ++d)
      ok = w.shape[d] < 0 || w.shape[d] == t.shape[d];
    if (!ok) {
      throw Error(fmt::format("{}: input '{}' expects {}, got {} {}", what, w.name, w.describe(),
                              dtype_name(t.dtype),
                              t.shape.empty() ? "scalar" : format_shape(t.shape)));
    }
    t.check(fmt::format("{}: input '{}'", what, w.name));
  }
  return order;
}

std::vector<HostTensor> collect(const std::vector<Ort::Value>& values,
                                const std::vector<ValueInfo>& infos) {
  std::vector<HostTensor> out;
  for (size_t i = 0; i < values.size(); ++i)
    out.push_back(from_ort_value(values[i], infos[i].name));
  return out;
}

}  // namespace

struct RunOutputs::Impl {
  std::vector<Ort::Value> values;
  std::vector<TensorView> views;
};
RunOutputs::RunOutputs() : impl_(std::make_unique<Impl>()) {}
RunOutputs::RunOutputs(RunOutputs&&) noexcept = default;
RunOutputs& RunOutputs::operator=(RunOutputs&&) noexcept = default;
RunOutputs::~RunOutputs() = default;
size_t RunOutputs::size() const { return impl_->views.size(); }
const TensorView& RunOutputs::view(size_t i) const { return impl_->views.at(i); }

RunOutputs OrtSession::run_in_place(const std::vector<HostTensor>& inputs) {
  auto order = match_inputs(impl_->what, impl_->inputs, inputs);
  std::vector<Ort::Value> values;
  for (const HostTensor* t : order) values.push_back(to_ort_value(*t));
  RunOutputs out;
  try {
    out.impl_->values =
        impl_->session.Run(Ort::RunOptions{nullptr}, impl_->input_names.data(), values.data(),
                           values.size(), impl_->output_names.data(), impl_->output_names.size());
  } catch (const Ort::Exception& e) {
    throw Error(fmt::format("{}: ONNX Runtime run failed: {}", impl_->what, first_line(e.what())));
  }
  for (size_t i = 0; i < out.impl_->values.size(); ++i)
    out.impl_->views.push_back(view_of(out.impl_->values[i], impl_->outputs[i].name));
  return out;
}

std::vector<HostTensor> OrtSession::run(const std::vector<HostTensor>& inputs) {
  RunOutputs results = run_in_place(inputs);
  std::vector<HostTensor> out;
  for (size_t i = 0; i < results.size(); ++i) out.push_back(results.view(i).copy());
  return out;
}

void OrtSession::prepare(const std::vector<HostTensor>& inputs) {
  auto order = match_inputs(impl_->what, impl_->inputs, inputs);
  impl_->prepared.clear();
  impl_->prepared_values.clear();
  impl_->prepared_results.clear();
  for (const HostTensor* t : order) impl_->prepared.push_back(*t);
  for (HostTensor& t : impl_->prepared) impl_->prepared_values.push_back(ort_value_view(t));
}

void OrtSession::run_prepared() {
  if (impl_->prepared_values.size() != impl_->inputs.size()) {
    throw Error(fmt::format("{}: run_prepared() before prepare()", impl_->what));
  }
  try {
    impl_->prepared_results = impl_->session.Run(
        Ort::RunOptions{nullptr}, impl_->input_names.data(), impl_->prepared_values.data(),
        impl_->prepared_values.size(), impl_->output_names.data(), impl_->output_names.size());
  } catch (const Ort::Exception& e) {
    throw Error(fmt::format("{}: ONNX Runtime run failed: {}", impl_->what, first_line(e.what())));
  }
}

std::vector<HostTensor> OrtSession::prepared_outputs() const {
  return collect(impl_->prepared_results, impl_->outputs);
}

}  // namespace kiln
