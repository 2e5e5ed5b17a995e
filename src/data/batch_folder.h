#pragma once
// Data a user brings for their own model (`--calibrate DIR`, `--eval DIR`): a folder of batches,
// read in file-name order, each file one batch:
//   NAME.npz  members named after the model's inputs (or np.savez's arr_0, arr_1 … by position),
//             and for evaluation an optional `labels` member: integer class ids, one per sample;
//   NAME.pb   one ONNX TensorProto: a batch of a single-input model (no labels).
// A sample is a row of dimension 0. Every batch is checked against the input specs (dtype, rank,
// static dims) before any stage runs, with one line naming the file. No LibTorch here.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/input_spec.h"
#include "tensor/host_tensor.h"

namespace kiln {

struct DataBatch {
  std::string file;                // the file it came from (for messages)
  std::vector<HostTensor> inputs;  // in the model's input order, named after the inputs
  std::optional<HostTensor> labels;  // int64 [samples], when the file has them
  int64_t samples = 0;             // dimension 0 of the first input
};

struct BatchFolder {
  std::string source;  // the folder, as given
  std::vector<DataBatch> batches;
  int64_t samples = 0;    // over every batch kept
  bool labelled = false;  // every batch has labels (a folder is all labelled or none)
};

// Reads up to `max_samples` samples (≤ 0: all), cutting the last batch short when every input's
// dimension 0 is the batch. `flag` names the option in errors ("--calibrate"). Throws kiln::Error
// (one line, naming the file) for a missing or empty folder, a member that names no input, a
// missing input, labels of the wrong count or dtype, or a folder that mixes labelled and
// unlabelled files.
BatchFolder read_batch_folder(const std::filesystem::path& dir, const std::vector<std::string>& input_names,
                              int64_t max_samples, const std::string& flag);

// Each batch against the declared specs: dtype, rank and static dims must agree (dynamic dims
// take any positive size, one size per symbol within a batch).
void check_batches(const BatchFolder& folder, const std::vector<InputSpec>& specs, const std::string& flag);

// The first `count` rows (dimension 0) of a tensor (the tensor itself when it has no more).
HostTensor leading_rows(const HostTensor& t, int64_t count);

}  // namespace kiln
