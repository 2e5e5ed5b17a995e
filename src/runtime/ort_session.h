#pragma once
// The one ONNX Runtime session wrapper every stage uses (verify, compare, bench, validate).
// Inputs and outputs are HostTensors; a prepared path reuses pre-made Ort::Values for benchmarks.
// ONNX Runtime's headers stay out of this header.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/host_tensor.h"
#include "tensor/tensor_view.h"

namespace onnx {
class ModelProto;
}

namespace Ort {
struct Session;
}

namespace kiln {

enum class GraphOptLevel { Disable, Basic, Extended, All };
enum class ExecutionProvider { Cpu, Dnnl };

// "disable|basic|extended|all" and "cpu|dnnl"; throw kiln::UsageError for other words.
GraphOptLevel parse_graph_opt_level(const std::string& text);
ExecutionProvider parse_execution_provider(const std::string& text);
std::string to_string(GraphOptLevel level);
std::string to_string(ExecutionProvider provider);

struct SessionOptions {
  int intra_op_threads = 0;  // 0: ONNX Runtime's default (one per physical core as cpuinfo counts)
  GraphOptLevel optimization = GraphOptLevel::All;
  ExecutionProvider provider = ExecutionProvider::Cpu;
  bool allow_spinning = true;
  // ONNX Runtime's CPU arena keeps every buffer it grew to (doubling) until the session ends;
  // off, tensors go back to malloc when released (kiln diff's bounded-memory runs).
  bool memory_arena = true;
  // ONNX Runtime's session.use_device_allocator_for_initializers: initializers are placed with the
  // session's allocator instead of a copy beside the parsed model (where the weights sit, not what
  // is computed). Measured on deeplabv3_resnet101 (224 MiB) with every optimization on: peak
  // 765 → 595 MB; on vgg11 (507 MiB), optimizations off: 1065 → 949 MB. The exporter's
  // verification sessions use it.
  bool initializers_from_allocator = false;
};

// One model input or output as the session sees it.
struct ValueInfo {
  std::string name;
  bool is_tensor = true;             // false for sequences, maps, optionals
  int32_t elem_type = 0;             // ONNX element type number (0 when not a tensor)
  Shape shape;                       // -1 for a dimension that is not fixed
  std::vector<std::string> symbols;  // per dimension: its symbolic name ("" when fixed or unnamed)
  bool supported() const;            // a tensor of a type HostTensor holds
  DType dtype() const;               // throws kiln::Error when !supported()
  std::string describe() const;      // "float32 Nx1x28x28"
};

// A run's outputs left in ONNX Runtime's buffers (no copy): the views stay valid while this
// object lives.
class RunOutputs {
 public:
  RunOutputs();
  RunOutputs(RunOutputs&&) noexcept;
  RunOutputs& operator=(RunOutputs&&) noexcept;
  ~RunOutputs();
  size_t size() const;
  const TensorView& view(size_t i) const;

 private:
  friend class OrtSession;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class OrtSession {
 public:
  // `what` names the model in error messages (a path for files). Models are untrusted: both
  // refuse external data outside the model's folder (from_bytes: any external data) and tensors
  // beyond max_tensor_bytes() before ONNX Runtime reads them (onnx/untrusted_model.h).
  static OrtSession from_file(const std::filesystem::path& path,
                              const SessionOptions& options = {});
  static OrtSession from_bytes(std::string_view bytes, const SessionOptions& options = {},
                               const std::string& what = "model");
  // A model kiln itself has just written (the exporter's verification): ONNX Runtime gets the
  // file's graph with its weights left in the file (onnx/weights_left_in_file.h) and reads them
  // from there itself, so no protobuf copy of the weights is in memory while the session is
  // built; the untrusted-model checks are skipped.
  static OrtSession from_own_file(const std::filesystem::path& path, const SessionOptions& options = {});
  // A model in memory, of any size: serialized when it fits one protobuf, else written with
  // external data to a temporary folder (removed once the session holds it) and opened from there.
  static OrtSession from_model(const onnx::ModelProto& model, const SessionOptions& options = {},
                               const std::string& what = "model");
  OrtSession(OrtSession&&) noexcept;
  OrtSession& operator=(OrtSession&&) noexcept;
  ~OrtSession();

  const std::vector<ValueInfo>& inputs() const;
  const std::vector<ValueInfo>& outputs() const;
  const std::string& what() const;

  // Runs the model. Inputs are matched by name; when none has a name they are taken in order.
  // Throws kiln::Error (one line) for a wrong count, name, element type or shape, or a failed run.
  std::vector<HostTensor> run(const std::vector<HostTensor>& inputs);
  // The same run with the outputs left where ONNX Runtime wrote them.
  RunOutputs run_in_place(const std::vector<HostTensor>& inputs);

  // Benchmark path: validate and wrap the inputs once, then run_prepared() runs with no
  // conversion or allocation of inputs. The tensors given are copied into the session.
  void prepare(const std::vector<HostTensor>& inputs);
  void run_prepared();
  // Outputs of the last run_prepared(), copied out.
  std::vector<HostTensor> prepared_outputs() const;

  Ort::Session& raw();

 private:
  struct Impl;
  explicit OrtSession(std::unique_ptr<Impl> impl);
  // `file`: where the bytes came from, for models whose external data ONNX Runtime must read.
  static OrtSession open(std::string_view bytes, const std::filesystem::path* file,
                         const SessionOptions& options, const std::string& what);
  // The session itself: from `file` when given (ONNX Runtime reads it), else from `bytes`, whose
  // external data (if any) ONNX Runtime reads from `weights_folder`.
  static OrtSession create(std::string_view bytes, const std::filesystem::path* file,
                           const SessionOptions& options, const std::string& what,
                           const std::filesystem::path* weights_folder = nullptr);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln
