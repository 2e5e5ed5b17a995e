#pragma once
// `kiln diff REF TARGET`: runs two ONNX models on the same inputs and compares every tensor both
// compute, chunk by chunk so intermediates never take more than the memory bound, then names the
// node where they start to disagree (and, with --explain, the transformation that made it).
#include <filesystem>
#include <string>

#include "diff/diff_options.h"
#include "diff/diff_result.h"
#include "diff/torchscript_source.h"

namespace kiln {

// `torchscript` runs a TorchScript reference (kiln_torch's open_torchscript_values); without it a
// .pt reference is refused.
DiffResult diff_models(const DiffOptions& options, const TorchscriptValuesFactory& torchscript = {});

}  // namespace kiln
