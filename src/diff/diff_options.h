#pragma once
// Options of `kiln diff REF TARGET`: which inputs both models run on, how much memory the
// intermediate tensors may take at once, the per-tensor tolerance and the reports that explain
// where a transformation came from. No LibTorch or ONNX Runtime here.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"
#include "runtime/input_spec.h"

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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffOptions, reference, target, export_report, inputs, samples,
                                   dataset, real_only, max_mem_mb, atol, rtol, explain, seed,
                                   threads)

}  // namespace kiln
