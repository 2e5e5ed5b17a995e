#pragma once
// `kiln export` verifies in a process without LibTorch (docs/architecture.md, "Two binaries"):
// kiln-torch converts and writes the model at its temporary name, computes LibTorch's outputs at
// both sizes, writes this handoff into a folder, and replaces itself (exec) with the LibTorch-free
// `kiln export-verify FOLDER`, which builds ONNX Runtime's sessions, judges (an oracle that needs
// LibTorch runs as a `kiln-torch export-oracle` child, only when consulted), renames the files
// into place and prints the report. Why: LibTorch's code and registries are ~150 MiB of the
// process that ONNX Runtime's all-optimizations session (which re-lays every Conv weight out)
// would otherwise be built beside. No LibTorch here.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "export/verify_outputs.h"
#include "kiln/export.h"

namespace kiln {

struct VerificationHandoff {
  ExportResult result;            // everything but the verification and the final timings
  ExportOptions options;          // model, op libraries: what an oracle child loads
  std::filesystem::path written;  // the model at its temporary name
  double tolerance = 0;
  std::vector<std::string> output_names;
  std::vector<std::optional<double>> steps;  // each output's quantization step, when quantized
  std::vector<VerificationCase> cases;
  double started =
      0;  // the export's start on the steady clock (seconds; the same clock across exec)
  // Temporaries to rename into place once verified (target, temporary), in order; the report, if
  // any, is written into its reserved temporary first.
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> files;
  std::filesystem::path report;  // --report target; empty: none
};

// Writes the handoff into `dir` (an existing, empty folder): a JSON record and one TensorProto
// file per tensor.
void write_handoff(const VerificationHandoff& handoff, const std::filesystem::path& dir);
// kiln::Error naming the folder when it is not one write_handoff wrote.
VerificationHandoff read_handoff(const std::filesystem::path& dir);

// The float64 outputs a `kiln-torch export-oracle` child hands back, per case (nullopt:
// unavailable for that case).
void write_float64_outputs(const std::filesystem::path& dir,
                           const std::vector<std::optional<std::vector<HostTensor>>>& outputs);
std::vector<std::optional<std::vector<HostTensor>>> read_float64_outputs(
    const std::filesystem::path& dir);

// The written model's size from which the exporter hands the verification of a float model over
// (a quantized one verifies in place: exporter.cpp). Below it the process is mostly LibTorch and
// ONNX Runtime themselves, and verifying in place is faster when an oracle is consulted (a
// kiln-torch child costs ~1 s of start-up). KILN_VERIFY_HANDOVER_BYTES=N sets another size (0:
// always), for tests.
inline constexpr uint64_t kHandOverBytes = 64ull << 20;
uint64_t hand_over_bytes();

// A new, empty handoff folder under the temporary directory (kiln-export-PID-RANDOM); nullopt when
// none can be made (an unwritable TMPDIR): the exporter then verifies in place.
std::optional<std::filesystem::path> make_handoff_folder();

// Called by the exporter, once the model is written and LibTorch's outputs are computed, with
// everything the verification needs and the folder to write it into: it replaces the process
// (exec) or throws, having removed the folder and the handoff's temporaries.
using VerificationHandOver =
    std::function<void(VerificationHandoff&&, const std::filesystem::path& dir)>;
// export_onnx (kiln/export.h) handing its verification over when `hand_over` is set. In kiln-torch.
ExportResult export_onnx(const ExportOptions& options, const VerificationHandOver& hand_over);

// The LibTorch-free half of `kiln export`: reads the handoff in `dir`, verifies the written model
// (the float64 oracle runs as a `kiln_torch export-oracle DIR` child when consulted),
// writes the report, renames the files into place and returns the whole result. On an error the
// temporaries are removed and nothing is written. The caller removes `dir` (`kiln export-verify`
// does, for a folder named kiln-export-* that holds a handoff record only).
ExportResult finish_handed_over_export(const std::filesystem::path& dir,
                                       const std::filesystem::path& kiln_torch);

}  // namespace kiln
