#pragma once
// `kiln diff REF TARGET`: runs two ONNX models on the same inputs and compares every tensor both
// compute, chunk by chunk so intermediates never take more than the memory bound, then names the
// node where they start to disagree (and, with --explain, the transformation that made it).
#include "diff/diff_options.h"
#include "diff/diff_result.h"
#include "diff/torchscript_source.h"
#include "kiln/diff.h"

namespace kiln {

// DiffResult diff_models(options, torchscript): the public kiln/diff.h.

}  // namespace kiln
