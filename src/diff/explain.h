#pragma once
// `kiln diff --explain REPORT…`: which recorded transformation made the first divergent node —
// the optimizer pass that last rewrote it (optimize report: every application lists the nodes it
// created or changed), the quantization decision (quantize-onnx report: quantized nodes, activation
// scales, sensitivity) or the FP16 decision (convert-fp16 report). Reports are read as their own
// typed records.
#include <filesystem>
#include <string>
#include <vector>

#include "diff/diff_result.h"
#include "diff/tensor_match.h"
#include "fp16/convert_fp16_result.h"
#include "optimize/optimize_result.h"
#include "quantize_onnx/quantize_onnx_result.h"

namespace kiln {

struct ExplainReports {
  std::vector<OptimizeFileResult> optimize;
  std::vector<QuantizeOnnxResult> quantize;
  std::vector<ConvertFp16Result> fp16;
  std::vector<std::string> files;  // "path (optimize report)", in the order given
};

// Throws kiln::Error naming a file that is none of the three reports.
ExplainReports read_explain_reports(const std::vector<std::filesystem::path>& files);

// One line per transformation that explains `node`; a line saying none does when none does.
std::vector<std::string> explain_divergence(const ExplainReports& reports,
                                            const FirstDivergentRecord& node,
                                            const TensorPair& pair, const TensorDiffRecord& stats);

}  // namespace kiln
