#pragma once
// kiln's public API (docs/library.md): `kiln export` — a TorchScript model to ONNX, checked and
// verified in ONNX Runtime against LibTorch. In kiln::kiln (the library with LibTorch); this
// header names no LibTorch type.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <kiln/input_spec.h>

namespace kiln {

inline constexpr int kMinOpset = 13;
// ONNX Runtime 1.21 (the toolchain's) runs opsets up to 22.
inline constexpr int kMaxOpset = 22;
inline constexpr double kVerifyTolerance = 1e-4;
inline constexpr double kVerifyToleranceQuantized = 2e-2;

struct ExportOptions {
  std::filesystem::path model;  // TorchScript .pt
  // The model's inputs (`--input NAME:DTYPE:DIMS`). Empty: one float32 input `input_name` of
  // `input_shape`, dim 0 the symbolic "batch" unless static_batch (the `--input-shape` form).
  std::vector<InputSpec> inputs;
  std::string input_shape = "1x1x28x28";
  std::string input_name = "input";
  bool static_batch = false;
  int opset = 13;  // kMinOpset..kMaxOpset
  // A single tensor output is named this; tuple/list positions are `<output_name>_<i>`, dict
  // entries their keys; nested ones are joined with '.' (`output_1.logits`, `output_0.output_1`).
  std::string output_name = "output";
  std::filesystem::path out;
  // Convert everything, collect every unsupported op (count, first place), write nothing.
  bool check_only = false;
  // The written model must match LibTorch in ONNX Runtime at the example size and at a second
  // size of every dynamic dim, to this relative mean abs error per output. Unset: 1e-4, or 2e-2
  // for a dynamically quantized model (ONNX Runtime's DynamicQuantizeLinear rounds its activation
  // scale differently from LibTorch's quantized engines: 0.85% measured on Python's
  // quantize_dynamic MNIST net).
  std::optional<double> verify_tolerance;
  // Shared libraries that register TorchScript ops the model calls (`--ops-library`, like
  // torch.ops.load_library); torchvision's is found by itself when installed.
  std::vector<std::filesystem::path> ops_libraries;
  // Example inputs the user has (`--example`): torch.save of a tensor, tuple/list or dict of
  // tensors, or .npz / .npy. The reference and the verification run on them (the second size
  // tiled from them) instead of random values.
  std::filesystem::path example;
  // The inputs at the second verification size (`--second-example`, with --example; the same
  // kinds of file): every dynamic dim takes its second size from it, instead of the example tiled
  // (a detector's second image, which tiling would not make a natural one).
  std::filesystem::path second_example;
  // Keep every inference BatchNormalization as its own node (`--keep-batch-norm`). By default
  // one right after a Conv is folded into the Conv's weights, as torch.onnx does in eval mode:
  // the same function in fewer nodes, and ONNX Runtime's own fold of it (at session creation)
  // holds the weights twice. The pipeline keeps them: its optimize stage folds and counts them.
  bool keep_batch_norm = false;

  std::vector<InputSpec> resolved_inputs() const;
  // Throws kiln::OptionError about values (not flags): opset range, names, specs, a missing output.
  void validate() const;
};
// One graph output and where it came from in the model's return value.
struct ExportedOutput {
  std::string name;
  std::string dtype;
  std::vector<std::string> shape;  // a number, a symbol, or "?" per dim
  std::string source;              // "return", "return[1]", "return['logits']", ...
};

// The two-size check: one case per size set.
struct ExportVerification {
  std::string sizes;            // "batch=2, seq=16"
  double tolerance = 0;         // the bound applied
  double max_rel_mean_abs = 0;  // worst output: mean |ORT − LibTorch| / mean |LibTorch|
  double max_abs = 0;
  // Outputs of a quantized model (a DequantizeLinear with a constant scale) that passed by the
  // one-quantization-step rule instead: int8 kernels may round a value one step apart.
  std::vector<std::string> within_one_step;
  // Float outputs beyond the tolerance that passed because ONNX Runtime is as close to the model
  // run in float64 as LibTorch's float32 result is (deep networks amplify rounding): the figures.
  std::vector<std::string> within_fp32_rounding;
  // Quantized outputs beyond the tolerance that passed because ONNX Runtime is as close to
  // LibTorch's reference engine (QNNPACK) as LibTorch's other int8 engine (ONEDNN) is: int8
  // kernels that round differently drift apart layer by layer in a deep network; the figures.
  std::vector<std::string> within_engine_spread;
  // ONNX Runtime's graph optimizations in the session that ran it: "disabled" (the graph as
  // written) or "all" (as a user's session runs it).
  std::string ort_optimizations;
};

// One tensor value of the frozen TorchScript graph (its top block, in order) and the ONNX tensor
// that carries it: how `kiln diff model.pt model.onnx` lines the two up. `node`/`output` index the
// graph kiln freezes (export/frozen_graph.h) and stay valid for the same model file; `onnx` is
// empty for a value folded at export (a constant) or computed inside an If branch.
struct ExportedValue {
  int node = 0, output = 0;
  std::string kind;         // "aten::conv2d"
  std::string torchscript;  // the value's debug name, for people
  std::string onnx;
};

struct UnsupportedOp {
  std::string op;
  int count = 0;
  std::string reason;
  std::string first_at;
};

struct ExportResult {
  // 4: verification's within_fp32_rounding; 5: within_engine_spread; 6: second_example;
  // 7: folded_batch_norms
  static constexpr int kSchemaVersion = 7;
  std::string model;
  std::string example;  // the --example file the inputs came from; empty: seeded random values
  std::string second_example;  // the --second-example file; empty: the example tiled
  std::string onnx;     // empty for --check
  bool check_only = false;
  uint64_t file_size_bytes = 0;
  int opset = 0;
  int64_t ir_version = 0;
  int nodes = 0;
  int initializers = 0;
  int folded_batch_norms = 0;  // BatchNormalization nodes folded into the Conv before them
  std::map<std::string, int> op_histogram;
  std::vector<InputSpec> input_specs;
  std::vector<ExportedOutput> inputs;  // as declared in the graph
  std::vector<ExportedOutput> outputs;
  std::vector<std::string> dropped_none_outputs;  // None in the return value (no ONNX output)
  std::vector<std::string> dropped_checks;        // assertions under a run-time condition
  std::vector<std::string> model_warnings;        // what LibTorch warned while the model ran
  std::vector<ExportVerification> verification;
  std::vector<UnsupportedOp> unsupported;  // --check
  std::vector<ExportedValue> values;       // the value-to-tensor map
  int unsupported_downstream_nodes = 0;    // --check: nodes not converted because an input failed
  double seconds = 0;                      // the whole export_onnx call
  // Where the time went: loading the TorchScript file, LibTorch's reference runs, the export
  // itself (freeze, convert, infer, check, serialize, write) and the ONNX Runtime verification.
  struct Timings {
    double load = 0, reference = 0, export_ = 0, verify = 0;
  } timings;
};

// Exports, checks (full checker + shape inference), verifies in ONNX Runtime at two sizes and
// writes atomically; with check_only, converts and reports every unsupported op instead.
ExportResult export_onnx(const ExportOptions& options);
std::string export_report_text(const ExportResult& result);

}  // namespace kiln
