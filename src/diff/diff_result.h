#pragma once
// What `kiln diff` found (DiffResult and its records: the public kiln/diff.h) and its JSON form
// (stable keys), rendered as text and as one HTML page (diff_report.h).
#include "common/json_record.h"
#include "kiln/diff.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantizedTensorRecord, scale, zero_point, qmin, qmax,
                                   clipped_share)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TensorDiffRecord, name, target_tensor, source, node, op, depth,
                                   reference_dtype, target_dtype, shape, elements, max_abs,
                                   mean_abs, relative_l2, cosine, nan_reference, inf_reference,
                                   nan_target, inf_target, reference_min, reference_max, target_min,
                                   target_max, tolerance, precision, diverges, quantized)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FirstDivergentRecord, node, op, output, max_abs, relative_l2,
                                   attributes, via, inputs, explanation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(UnmatchedTensorRecord, tensor, op, why)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffChunkingRecord, chunks, budget_bytes, largest_chunk_bytes,
                                   model_bytes, how)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffTimingsRecord, prepare, sessions, runs, statistics)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffModelRef, path, nodes, bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffResult, schema_version, reference, target, samples, atol,
                                   rtol, tensors, first_divergent, removed, added, mismatched,
                                   explained_by, chunking, peak_memory_mb, seconds, timings, notes, verdict,
                                   agree)

}  // namespace kiln
