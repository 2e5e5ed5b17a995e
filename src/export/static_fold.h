#pragma once
// The static half of the exporter's one rule for TorchScript's scalar and list world: a node whose
// inputs are all static (constants, or values already folded) is evaluated at export time by
// LibTorch's own implementation of the op, and its outputs become static values; nothing is
// written to the ONNX graph. Everything else is dynamic and converted to ONNX ops
// (docs/exporter.md, "Static and dynamic values").
#include "export/export_context.h"

namespace kiln {

// Folds `node` when every input is static and the op is pure (no side effects, deterministic, no
// sub-blocks). Returns false when it did not fold (the caller converts the node instead).
bool try_static_fold(ExportContext& ctx, const Node* node);

}  // namespace kiln
