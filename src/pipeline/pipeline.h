#pragma once
// `kiln pipeline`: the whole seminar end to end — train → freeze (and the branch study) →
// precision → export (FP32, INT8) → compare → optimize → bench → pack → validate — with each
// stage cached in its own folder, then REPORT.md and report.html. No LibTorch in this header.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace kiln {

struct PipelineOptions {
  std::string dataset = "mnist";
  std::string model = "simple_cnn";
  std::filesystem::path out;  // default: runs/<timestamp>
  bool quick = false;         // smaller training set and fewer runs (smoke tests, CI)
  bool force = false;         // rerun every stage
  int epochs = 1;
  std::string artifact = "fp32";  // "int8": the static INT8 model (quantize-onnx) is packed
  // The kiln executable: when set, training runs as `kiln train` in a child process with the
  // thread settings that train fastest (~1.3×); empty: in this process.
  std::filesystem::path kiln_executable;
};

// Returns the summary (every stage's key numbers and where the report is).
nlohmann::json run_pipeline(const PipelineOptions& options);

}  // namespace kiln
