#pragma once
// Where calibration batches come from: a dataset kiln ships (its training split, so the test split
// stays unseen for the accuracy check) or a folder of `.pb` TensorProto files the user made, each
// one batch of the model's single input, read in file-name order.
#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "tensor/host_tensor.h"

namespace kiln {

struct CalibrationData {
  std::string source;  // dataset name or folder path, as given
  bool is_dataset = false;
  int64_t samples = 0;                           // samples actually used
  std::vector<std::vector<HostTensor>> batches;  // each: the model's inputs for one run
};

// `source`: "mnist", "fashion-mnist" or a folder. Uses the first `samples` samples (all the
// folder holds when it holds fewer) in batches of at most `batch`, named `input_name`. Throws
// kiln::Error for a source that is neither, an empty folder or an unreadable file.
// The one non-initializer input calibration batches feed; kiln::Error naming `what` for a model
// with more or fewer (static quantize-onnx and convert-fp16 --calibrate).
std::string single_calibration_input(const onnx::ModelProto& model, const std::string& what);

CalibrationData load_calibration_data(const std::string& source, int64_t samples, int64_t batch,
                                      const std::string& input_name);

// The first `count` rows (dimension 0) of a tensor.
HostTensor leading_rows(const HostTensor& t, int64_t count);

}  // namespace kiln
