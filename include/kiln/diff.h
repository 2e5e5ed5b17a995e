#pragma once
// kiln's public API (docs/library.md): `kiln diff REF TARGET` — runs two models on the same
// inputs and compares every tensor both compute, chunk by chunk so intermediates never take more
// than the memory bound, then names the node where they start to disagree (and, with explain
// reports, the transformation that made it). In kiln::core for ONNX references; a TorchScript
// reference needs a TorchscriptValuesFactory (kiln::kiln's CLI passes LibTorch's).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <kiln/input_spec.h>

namespace kiln {

struct DiffOptions {
  // TARGET is ONNX; REFERENCE is ONNX or TorchScript (a .pt, read through export_report).
  std::filesystem::path reference, target;
  // The report `kiln export --report` wrote when it made TARGET (or what TARGET was made from)
  // from REFERENCE: its value-to-tensor map lines the TorchScript values up with ONNX tensors.
  std::filesystem::path export_report;
  // `--input` specs; empty: the reference's declared inputs, every dynamic dim at 1.
  std::vector<InputSpec> inputs;
  int64_t samples = 8;  // inputs run, one at a time (batch 1)
  // Real samples for half of them when the model takes one MNIST-shaped image; "none": random.
  std::string dataset = "mnist";
  // With such a dataset: every sample a real image. A calibrated INT8 model clips inputs outside
  // its calibration range, so random inputs would overstate its error on real data.
  bool real_only = false;
  int64_t max_mem_mb = 1024;  // bound on the process while it diffs (chunks of tensors)
  // A tensor diverges when max |ref − target| > atol + rtol · max |ref|; unset: per dtype of the
  // target tensor (diff_tolerance.h).
  std::optional<double> atol, rtol;
  // optimize / quantize-onnx / convert-fp16 reports (JSON) that made TARGET: `--explain` names the
  // pass or the decision that produced the first divergent node.
  std::vector<std::filesystem::path> explain;
  uint64_t seed = 0;
  int threads = 0;  // ONNX Runtime intra-op threads (0: its default)

  // kiln::OptionError for a value diff_models cannot use.
  void validate() const;
};
// A target tensor that goes through QuantizeLinear → DequantizeLinear: what its readers see is the
// dequantized value, so that is what is compared; these are the Q parameters and the share of the
// reference's values that fall outside the representable range.
struct QuantizedTensorRecord {
  double scale = 0;
  int64_t zero_point = 0;
  int64_t qmin = 0, qmax = 255;
  double clipped_share = 0;
};

struct TensorDiffRecord {
  std::string name;           // in the reference
  std::string target_tensor;  // compared in the target (the name, or its DequantizeLinear output)
  std::string source;         // a TorchScript reference's value behind `name` ("" for ONNX)
  std::string node, op;       // the target node producing `name` ("" for a graph input)
  int depth = 0;              // position of that node in the target's topological order
  std::string reference_dtype, target_dtype;
  std::vector<int64_t> shape;  // per sample
  int64_t elements = 0;        // over all samples
  double max_abs = 0, mean_abs = 0, relative_l2 = 0, cosine = 1;
  int64_t nan_reference = 0, inf_reference = 0, nan_target = 0, inf_target = 0;
  double reference_min = 0, reference_max = 0, target_min = 0, target_max = 0;
  double tolerance = 0;   // the bound max_abs was held to
  std::string precision;  // the least precise type on the path that computed it (sets the bound)
  bool diverges = false;
  std::optional<QuantizedTensorRecord> quantized;
};

// The first tensor (target topological order) that diverges while every compared tensor it is
// computed from does not: the node that produces it is where the models part.
struct FirstDivergentRecord {
  std::string node, op, output;
  double max_abs = 0, relative_l2 = 0;
  std::map<std::string, std::string> attributes;
  // Nodes between the compared inputs and the output that have no reference counterpart
  // (QuantizeLinear/DequantizeLinear pairs, Casts), in order.
  std::vector<std::string> via;
  std::vector<std::string> inputs;  // compared tensors it is computed from (all within tolerance)
  std::vector<std::string> explanation;  // --explain: the pass or decision that made this node
};

// A tensor with no counterpart: `why` says which side has it and what made it.
struct UnmatchedTensorRecord {
  std::string tensor, op, why;
};

struct DiffChunkingRecord {
  int chunks = 0;
  int64_t budget_bytes = 0;         // activations allowed per chunk (both models, one sample)
  int64_t largest_chunk_bytes = 0;  // measured: the largest set of outputs held at once
  int64_t model_bytes = 0;          // both model files
  std::string how;
};

// Where the time went: loading, shape inference and matching; building the chunks' sessions;
// running them; and counting the statistics.
struct DiffTimingsRecord {
  double prepare = 0, sessions = 0, runs = 0, statistics = 0;
};

struct DiffModelRef {
  std::string path;
  int64_t nodes = 0, bytes = 0;
};

struct DiffResult {
  int schema_version = 1;
  DiffModelRef reference, target;
  std::vector<std::string> samples;       // one line per input set run
  std::optional<double> atol, rtol;       // as given; unset: per dtype
  std::vector<TensorDiffRecord> tensors;  // target topological order
  std::optional<FirstDivergentRecord> first_divergent;
  std::vector<UnmatchedTensorRecord> removed;     // only in the reference
  std::vector<UnmatchedTensorRecord> added;       // only in the target
  std::vector<UnmatchedTensorRecord> mismatched;  // in both, shape or type differs
  std::vector<std::string> explained_by;          // the --explain reports read
  DiffChunkingRecord chunking;
  double peak_memory_mb = 0;  // the process's high-water mark (VmHWM)
  double seconds = 0;
  DiffTimingsRecord timings;
  std::vector<std::string> notes;
  std::string verdict;
  bool agree = false;  // no compared tensor diverges
};

// A TorchScript reference's values (kiln's diff/torchscript_source.h; made by LibTorch code).
class ReferenceValues;
using TorchscriptValuesFactory = std::function<std::unique_ptr<ReferenceValues>(
    const std::filesystem::path& model, const std::vector<InputSpec>& specs)>;

// `torchscript` runs a TorchScript reference (kiln_torch's open_torchscript_values); without it a
// .pt reference is refused.
DiffResult diff_models(const DiffOptions& options,
                       const TorchscriptValuesFactory& torchscript = {});

}  // namespace kiln
