#pragma once
// kiln's public API (docs/library.md): `kiln pack` — the artifact a CI/CD pipeline gates on, for
// any model kiln exports (several inputs of any dtype, dynamic dims beyond the batch, several
// outputs). Writes, as a whole folder or not at all: model_opt.onnx, metadata.yaml (the seminar's
// keys plus hashes, signature, verified bound and measured error, accuracy, same-run latency
// ratio, machine, and the data each figure came from), golden inputs and reference outputs in
// ONNX's test-data layout, validate.py and a model card. In kiln::kiln (a TorchScript reference
// runs in LibTorch); this header names no LibTorch type.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <kiln/input_spec.h>
#include <kiln/validate.h>

namespace kiln {

struct PackOptions {
  std::filesystem::path model;      // model_opt.onnx
  std::filesystem::path reference;  // what it must stay equivalent to (.pt or .onnx)
  std::string name = "simple_cnn";
  std::string version = "1.0";
  std::string dataset = "mnist";          // "none": no accuracy
  int64_t accuracy_samples = 0;           // the first N test images; 0: the whole test split
  std::vector<std::string> optimization;  // passes applied (recorded as given), or
  // kiln optimize's report: `optimization` is then the passes that rewrote the model, in order,
  // from the optimizer's own record (and must not be given as well).
  std::optional<std::filesystem::path> optimize_report;
  std::string calibration;  // for static INT8: method and samples, recorded as given
  // Records of how the packed model was made, summarized into metadata.yaml: quantize-onnx's
  // report (INT8: nodes kept float and why, pre-optimization), convert-fp16's (nodes kept FP32
  // and why) and the pipeline's artifact choice (the rule and the alternatives it weighed).
  std::optional<std::filesystem::path> quantize_report, fp16_report, choice;
  // The inputs' specs (kiln export's --input): the random golden set and the latency inputs are
  // drawn from them. Empty: read from the model (each dynamic dim at 2; floats standard normal,
  // integers in [0, 10)).
  std::vector<InputSpec> inputs;
  // A folder of batches (data/batch_folder.h) whose first golden_samples samples become a golden
  // set of real data: the user's example, evaluation or calibration data.
  std::optional<std::filesystem::path> golden_data;
  int64_t golden_samples = 8;
  // A folder of evaluation batches: top-1 accuracy with labels, else agreement with the reference
  // (compare/eval_quality.h), recorded in metadata.yaml with the data it was measured on.
  std::optional<std::filesystem::path> eval;
  int64_t eval_samples = 0;  // 0: every sample the folder holds
  std::string description;   // the model card's "Intended use"
  double max_mae = 1e-3;     // the bound verified before anything is written
  int latency_runs = 100;
  std::filesystem::path out = "artifact_v1";
  bool git_commit = false;
  bool progress = true;

  // kiln::OptionError for a value pack_artifact cannot use.
  void validate() const;
};
// `kiln pack --git-commit`: the commit made in the artifact's repository.
struct GitCommit {
  std::string commit, message, repository;
};

// What pack wrote (the folder's metadata.yaml holds the rest) and its own validation.
struct PackResult {
  int schema_version = 1;
  std::string out;
  std::vector<std::string> optimization;
  double equivalence_measured = 0, equivalence_bound = 0;
  double latency_ms = 0;
  ValidateResult validation;
  std::optional<GitCommit> git;
};

// Validates the options, measures, writes the folder and validates it; kiln::Error (one line)
// when the model is not equivalent to the reference within max_mae or anything cannot be read.
PackResult pack_artifact(const PackOptions& options);

}  // namespace kiln
