#pragma once
// Pre-optimization before quantizing: a Conv followed by a float BatchNormalization cannot become
// one integer kernel, so quantizing an unoptimized export gives a model barely faster than FP32
// (1.12–1.16× at batch 64 against 2.40–2.47× on the BN-folded one, bench/RESULTS.md). kiln runs
// its default verified passes first, checks the rewritten model against the input in ONNX
// Runtime, and keeps the input unchanged when the check fails (saying why).
#include <onnx/onnx_pb.h>

#include "quantize_onnx/quantize_onnx_result.h"

namespace kiln {

// Rewrites `model` in place with kiln's default passes when that keeps its outputs within
// `rtol` (max relative change, as `kiln optimize` verifies); otherwise leaves it as it was.
PreoptimizeRecord preoptimize_for_quantization(onnx::ModelProto& model, double rtol);

}  // namespace kiln
