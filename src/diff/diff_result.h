#pragma once
// What `kiln diff` found: statistics for every tensor both models compute, the first node where
// they part, what has no counterpart, and how the work was chunked. Written as JSON (stable keys),
// rendered as text and as one HTML page (diff_report.h).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"

namespace kiln {

// A target tensor that goes through QuantizeLinear → DequantizeLinear: what its readers see is the
// dequantized value, so that is what is compared; these are the Q parameters and the share of the
// reference's values that fall outside the representable range.
struct QuantizedTensorRecord {
  double scale = 0;
  int64_t zero_point = 0;
  int64_t qmin = 0, qmax = 255;
  double clipped_share = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantizedTensorRecord, scale, zero_point, qmin, qmax,
                                   clipped_share)

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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TensorDiffRecord, name, target_tensor, source, node, op, depth,
                                   reference_dtype, target_dtype, shape, elements, max_abs,
                                   mean_abs, relative_l2, cosine, nan_reference, inf_reference,
                                   nan_target, inf_target, reference_min, reference_max, target_min,
                                   target_max, tolerance, precision, diverges, quantized)

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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FirstDivergentRecord, node, op, output, max_abs, relative_l2,
                                   attributes, via, inputs, explanation)

// A tensor with no counterpart: `why` says which side has it and what made it.
struct UnmatchedTensorRecord {
  std::string tensor, op, why;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(UnmatchedTensorRecord, tensor, op, why)

struct DiffChunkingRecord {
  int chunks = 0;
  int64_t budget_bytes = 0;          // activations allowed per chunk (both models, one sample)
  int64_t largest_chunk_bytes = 0;   // measured: the largest set of outputs held at once
  int64_t model_bytes = 0;           // both model files
  std::string how;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffChunkingRecord, chunks, budget_bytes, largest_chunk_bytes,
                                   model_bytes, how)

// Where the time went: loading, shape inference and matching; building the chunks' sessions;
// running them; and counting the statistics.
struct DiffTimingsRecord {
  double prepare = 0, sessions = 0, runs = 0, statistics = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffTimingsRecord, prepare, sessions, runs, statistics)

struct DiffModelRef {
  std::string path;
  int64_t nodes = 0, bytes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffModelRef, path, nodes, bytes)

struct DiffResult {
  int schema_version = 1;
  DiffModelRef reference, target;
  std::vector<std::string> samples;  // one line per input set run
  std::optional<double> atol, rtol;  // as given; unset: per dtype
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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffResult, schema_version, reference, target, samples, atol,
                                   rtol, tensors, first_divergent, removed, added, mismatched,
                                   explained_by, chunking, peak_memory_mb, seconds, timings, notes, verdict,
                                   agree)

}  // namespace kiln
