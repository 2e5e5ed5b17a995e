#pragma once
// The export's verdict on ONNX Runtime's outputs against LibTorch's, one size set at a time. No
// LibTorch here: the exporter calls it in its own process (the library, the pipelines), and `kiln`
// calls it after kiln-torch has handed the written model over and exited (export/
// verification_handoff.h), so ONNX Runtime's sessions are built without LibTorch in memory.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kiln/export.h"
#include "tensor/host_tensor.h"

namespace kiln {

class OrtSession;

// One size set: the inputs ONNX Runtime is fed (named as the graph's inputs) and LibTorch's
// outputs for them, in the graph's output order (a quantized output dequantized, a complex one
// as its real pairs).
struct VerificationCase {
  std::string sizes;  // "batch=2, seq=16"
  std::vector<HostTensor> inputs;
  std::vector<HostTensor> expected;
};

// Another LibTorch int8 engine's outputs for a case.
struct EngineRun {
  std::string engine;
  std::vector<HostTensor> outputs;
};

// What a verdict may consult when an output misses the tolerance, for the case of that index, each
// called at most once per case on its first need: the model run in float64, LibTorch's other int8
// engine. nullopt: unavailable (the model cannot run so). Unset functions count as unavailable.
struct VerificationOracles {
  std::function<std::optional<std::vector<HostTensor>>(size_t case_index)> float64;
  std::function<std::optional<EngineRun>(size_t case_index)> other_engine;
  std::string reference_engine;  // LibTorch's int8 engine the reference ran with ("QNNPACK")
};

// The per-output rules and their bounds.
// A quantized output off by more than the tolerance passes when ONNX Runtime is no further from
// LibTorch's reference engine than twice what LibTorch's other engine is (and under a relative
// error of 1, past which an output is unrelated): measured, ORT's QDQ graph of torchvision's
// quantized ResNet-18 is 0.048 from QNNPACK where ONEDNN is 0.055, MobileNetV2 0.366 and 0.361.
inline constexpr double kEngineSpreadFactor = 2.0, kEngineSpreadCap = 1.0;
// A float output off by more than the tolerance passes when ONNX Runtime is no further from the
// float64 result than LibTorch's own float32 result is (twice that, at most 100× the tolerance):
// both then carry the same amplified rounding, and the export computes what the model does.
inline constexpr double kRoundingFactor = 2.0, kRoundingCap = 100.0;

// mean |ref − got| / mean |ref| over ref's finite elements. Elements equal on both sides count as
// no error, infinities and NaNs included (a mask filled with -inf); any other difference involving
// a non-finite value is an infinite error. `max_abs` grows to the largest |ref − got|.
double rel_mean_abs(const HostTensor& ref, const HostTensor& got, double& max_abs);

// The written model's outputs (`got`) against LibTorch's at one size set (`cases[case_index]`),
// every output by name: the tolerance, or one quantization step (`steps`: each output's step when
// it is a quantized one), or float32 rounding (float64 oracle), or the int8 engines' spread.
// Throws kiln::Error naming the output, the sizes and the error when none holds, or when a shape
// or dtype differs.
ExportVerification judge_verification_case(const VerificationCase& c, size_t case_index,
                                           const std::vector<HostTensor>& got,
                                           const std::vector<std::string>& output_names,
                                           double tolerance,
                                           const std::vector<std::optional<double>>& steps,
                                           const VerificationOracles& oracles);

// The whole check of a written model: the first case on the graph as written (ONNX Runtime's
// optimizations off), the second as a user's session runs it (all of them on: an optimizer
// fusion that changes the result, a Pad folded into an AveragePool, is caught here, not in
// production); one case is checked both ways. ONNX Runtime reads the weights from the file
// itself (OrtSession::from_own_file), and each session is gone before it is judged (an oracle
// may load the model again) and before the next one is built.
std::vector<ExportVerification> verify_written_model(
    const std::filesystem::path& written, const std::vector<VerificationCase>& cases,
    const std::vector<std::string>& output_names, double tolerance,
    const std::vector<std::optional<double>>& steps, const VerificationOracles& oracles);

}  // namespace kiln
