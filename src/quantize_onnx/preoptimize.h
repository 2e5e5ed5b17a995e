#pragma once
// Pre-optimization before quantizing: a Conv followed by a float BatchNormalization cannot become
// one integer kernel, so quantizing an unoptimized export gives a model barely faster than FP32
// (1.12–1.16× at batch 64 against 2.40–2.47× on the BN-folded one, bench/RESULTS.md). kiln runs
// its default verified passes first, checks the rewritten model against the input in ONNX
// Runtime, and keeps the input unchanged when the check fails (saying why).
#include <onnx/onnx_pb.h>

#include "quantize_onnx/quantize_onnx_result.h"

namespace kiln {

// The bound on the pre-optimized model's output change (max relative, as `kiln optimize`
// verifies). Looser than `kiln optimize`'s default 1e-5: folding 52 BatchNormalizations of
// torchvision's mobilenet_v2 moved its output by 1.23e-5 (FP32 rounding in a different order), and
// refusing it left every Conv float (INT8 at 0.36–0.61× FP32). 1e-4 is still ~100× below the
// smallest INT8 error kiln has measured (relative L2 6e-3 on simple_cnn).
inline constexpr double kPreoptimizeRtol = 1e-4;

// Rewrites `model` in place with kiln's default passes when that keeps its outputs within
// `rtol`; otherwise leaves it as it was.
PreoptimizeRecord preoptimize_for_quantization(onnx::ModelProto& model, double rtol);

}  // namespace kiln
