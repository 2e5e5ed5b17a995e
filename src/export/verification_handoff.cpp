#include "export/verification_handoff.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include <fmt/format.h>

#include "common/allocator_tuning.h"
#include "common/atomic_file.h"
#include "common/child_process.h"
#include "common/json_record.h"
#include "common/process_memory.h"
#include "export/export_options.h"

namespace kiln {

namespace fs = std::filesystem;

namespace {

// The record beside the tensor files (tensors are counted here and stored as case<k>_<role><i>.pb).
struct HandoffRecord {
  int version = 1;
  ExportResult result;
  ExportOptions options;
  std::string written;
  double tolerance = 0;
  std::vector<std::string> output_names;
  std::vector<std::optional<double>> steps;
  std::vector<std::string> case_sizes;
  std::vector<size_t> case_inputs, case_expected;
  double started = 0;
  std::vector<std::string> file_targets, file_temps;
  std::string report;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HandoffRecord, version, result, options, written, tolerance,
                                   output_names, steps, case_sizes, case_inputs, case_expected,
                                   started, file_targets, file_temps, report)

struct Float64Record {
  std::vector<std::optional<size_t>> outputs;  // per case: how many tensors, or null
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Float64Record, outputs)

constexpr const char* kRecord = "handoff.json";

fs::path tensor_file(const fs::path& dir, const std::string& role, size_t k, size_t i) {
  return dir / fmt::format("case{}_{}{}.pb", k, role, i);
}

std::vector<HostTensor> read_tensors(const fs::path& dir, const std::string& role, size_t k,
                                     size_t n) {
  std::vector<HostTensor> out;
  for (size_t i = 0; i < n; ++i) out.push_back(read_tensor_pb(tensor_file(dir, role, k, i)));
  return out;
}

}  // namespace

std::optional<fs::path> make_handoff_folder() {
  std::error_code ec;
  const fs::path tmp = fs::temp_directory_path(ec);
  if (ec) return std::nullopt;
  const fs::path dir = tmp / fmt::format("kiln-export-{}-{:x}", ::getpid(), std::random_device{}());
  if (!fs::create_directory(dir, ec) || ec) return std::nullopt;
  return dir;
}

uint64_t hand_over_bytes() {
  const char* text = std::getenv("KILN_VERIFY_HANDOVER_BYTES");
  if (text == nullptr || *text == '\0') return kHandOverBytes;
  char* end = nullptr;
  unsigned long long n = std::strtoull(text, &end, 10);
  return end != nullptr && *end == '\0' ? n : kHandOverBytes;
}

void write_handoff(const VerificationHandoff& h, const fs::path& dir) {
  HandoffRecord r;
  r.result = h.result;
  r.options = h.options;
  r.written = h.written.string();
  r.tolerance = h.tolerance;
  r.output_names = h.output_names;
  r.steps = h.steps;
  for (size_t k = 0; k < h.cases.size(); ++k) {
    const auto& c = h.cases[k];
    r.case_sizes.push_back(c.sizes);
    r.case_inputs.push_back(c.inputs.size());
    r.case_expected.push_back(c.expected.size());
    for (size_t i = 0; i < c.inputs.size(); ++i)
      write_tensor_pb(c.inputs[i], tensor_file(dir, "input", k, i));
    for (size_t i = 0; i < c.expected.size(); ++i)
      write_tensor_pb(c.expected[i], tensor_file(dir, "expected", k, i));
  }
  r.started = h.started;
  for (const auto& [target, temp] : h.files) {
    r.file_targets.push_back(target.string());
    r.file_temps.push_back(temp.string());
  }
  r.report = h.report.string();
  write_file_atomic(dir / kRecord, record_text(r));
}

VerificationHandoff read_handoff(const fs::path& dir) {
  const auto r = read_record<HandoffRecord>(dir / kRecord);
  if (r.version != 1 || r.case_sizes.size() != r.case_inputs.size() ||
      r.case_sizes.size() != r.case_expected.size() || r.file_targets.size() != r.file_temps.size())
    throw Error(
        fmt::format("{}: not a verification handoff this kiln reads", (dir / kRecord).string()));
  VerificationHandoff h;
  h.result = r.result;
  h.options = r.options;
  h.written = r.written;
  h.tolerance = r.tolerance;
  h.output_names = r.output_names;
  h.steps = r.steps;
  for (size_t k = 0; k < r.case_sizes.size(); ++k) {
    VerificationCase c;
    c.sizes = r.case_sizes[k];
    c.inputs = read_tensors(dir, "input", k, r.case_inputs[k]);
    c.expected = read_tensors(dir, "expected", k, r.case_expected[k]);
    h.cases.push_back(std::move(c));
  }
  h.started = r.started;
  for (size_t i = 0; i < r.file_targets.size(); ++i)
    h.files.emplace_back(r.file_targets[i], r.file_temps[i]);
  h.report = r.report;
  return h;
}

void write_float64_outputs(const fs::path& dir,
                           const std::vector<std::optional<std::vector<HostTensor>>>& outputs) {
  Float64Record r;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const auto& tensors = outputs[k];
    if (!tensors) {
      r.outputs.emplace_back(std::nullopt);
      continue;
    }
    r.outputs.emplace_back(tensors->size());
    for (size_t i = 0; i < tensors->size(); ++i)
      write_tensor_pb((*tensors)[i], tensor_file(dir, "float64", k, i));
  }
  write_file_atomic(dir / "float64.json", record_text(r));
}

std::vector<std::optional<std::vector<HostTensor>>> read_float64_outputs(const fs::path& dir) {
  const auto r = read_record<Float64Record>(dir / "float64.json");
  std::vector<std::optional<std::vector<HostTensor>>> out;
  for (size_t k = 0; k < r.outputs.size(); ++k) {
    const std::optional<size_t>& count = r.outputs[k];
    if (!count) {
      out.emplace_back(std::nullopt);
      continue;
    }
    out.emplace_back(read_tensors(dir, "float64", k, *count));
  }
  return out;
}

ExportResult finish_handed_over_export(const fs::path& dir, const fs::path& kiln_torch) {
  ReturnMemoryPromptly
      prompt_free;  // as in the exporter: each session's memory goes back before the next
  VerificationHandoff h = read_handoff(dir);
  FileSet files;
  for (const auto& [target, temp] : h.files) files.adopt(target, temp);
  const auto t0 = std::chrono::steady_clock::now();

  // The float64 oracle: one child for every case (the model is loaded once), on its first need.
  // (Only float models are handed over: LibTorch's other int8 engine is never asked here.)
  std::optional<std::vector<std::optional<std::vector<HostTensor>>>> float64;
  VerificationOracles oracles;
  oracles.float64 = [&](size_t k) -> std::optional<std::vector<HostTensor>> {
    if (!float64) {
      float64.emplace();
      try {
        run_kiln_child(kiln_torch, {"export-oracle", dir.string()});
        float64 = read_float64_outputs(dir);
      } catch (const Error&) {
        // Unavailable, as when the model cannot run in float64 in-process.
      }
      trace_memory("while the float64 oracle ran (a kiln-torch child)");
    }
    return k < float64->size() ? (*float64)[k] : std::nullopt;
  };

  ExportResult result = std::move(h.result);
  result.verification =
      verify_written_model(h.written, h.cases, h.output_names, h.tolerance, h.steps, oracles);
  result.timings.verify =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // From the export's start in kiln-torch (the steady clock is the same across exec). The report's
  // figures are the printed ones: taken before the files land.
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count() -
      h.started;
  if (!h.report.empty()) files.write(h.report, nlohmann::json(result).dump(2) + "\n");
  files.commit();
  return result;
}

}  // namespace kiln
