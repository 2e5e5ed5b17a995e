#pragma once
// Where calibration batches come from: a dataset kiln ships (its training split, so the test split
// stays unseen for the accuracy check) or a folder of batches the user made (data/batch_folder.h:
// `.npz` files with a member per model input, or `.pb` tensors for a single-input model), read in
// file-name order.
#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "data/batch_folder.h"

#include "tensor/host_tensor.h"

namespace kiln {

struct CalibrationData {
  std::string source;  // dataset name or folder path, as given
  bool is_dataset = false;
  int64_t samples = 0;                           // samples actually used
  std::vector<std::vector<HostTensor>> batches;  // each: the model's inputs for one run
};

// The model's inputs that data feeds (graph inputs that are not initializers), in order.
std::vector<std::string> data_inputs(const onnx::ModelProto& model);
// The one such input a dataset's images feed; kiln::Error naming `what` for a model with more or
// fewer (a dataset has one tensor per sample).
std::string single_calibration_input(const onnx::ModelProto& model, const std::string& what);

// `source`: "mnist", "fashion-mnist" (one input: `inputs` must hold one name) or a folder of
// batches for every name in `inputs`. Uses the first `samples` samples (all the folder holds
// when it holds fewer); a dataset in batches of at most `batch`, a folder as its files are.
// Throws kiln::Error for a source that is neither, an empty folder or an unreadable file.
CalibrationData load_calibration_data(const std::string& source, int64_t samples, int64_t batch,
                                      const std::vector<std::string>& inputs);

}  // namespace kiln
