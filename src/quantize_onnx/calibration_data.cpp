#include "quantize_onnx/calibration_data.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.h"
#include "common/shape.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"

namespace kiln {

namespace fs = std::filesystem;

CalibrationData load_calibration_data(const std::string& source, int64_t samples, int64_t batch,
                                      const std::vector<std::string>& inputs) {
  if (samples <= 0) throw OptionError("calib_samples", "must be at least 1");
  CalibrationData data;
  data.source = source;
  if (is_dataset_name(source)) {
    if (inputs.size() != 1)
      throw Error(fmt::format("--calibrate {}: a dataset feeds models with one input; this one has {} (give a folder of .npz "
                              "batches with members {})",
                              source, inputs.size(), fmt::join(inputs, ", ")));
    Dataset train = load_dataset(source, Split::kTrain);
    int64_t n = std::min(samples, train.count);
    for (int64_t start = 0; start < n; start += batch) {
      HostTensor t = dataset_batch(train, start, std::min(batch, n - start));
      t.name = inputs[0];
      data.batches.push_back({std::move(t)});
    }
    data.is_dataset = true;
    data.samples = n;
    return data;
  }
  std::error_code ec;
  if (!fs::is_directory(source, ec))
    throw Error("--calibrate: '" + source + "' is neither a dataset (mnist, fashion-mnist) nor a folder of .npz or .pb batches");
  BatchFolder folder = read_batch_folder(source, inputs, samples, "--calibrate");
  for (auto& b : folder.batches) {
    // A batch of 0 samples (or of empty samples) calibrates and verifies nothing.
    for (const auto& t : b.inputs)
      if (t.numel() == 0)
        throw Error(fmt::format("{}: an empty calibration batch ('{}' has shape {})", b.file,
                                t.name, format_shape(t.shape)));
    data.batches.push_back(std::move(b.inputs));
  }
  data.samples = folder.samples;
  if (data.samples == 0) throw Error("--calibrate: " + source + ": no calibration samples");
  return data;
}

std::vector<std::string> data_inputs(const onnx::ModelProto& model) {
  std::set<std::string> inits;
  for (const auto& t : model.graph().initializer()) inits.insert(t.name());
  std::vector<std::string> inputs;
  for (const auto& in : model.graph().input())
    if (!inits.count(in.name())) inputs.push_back(in.name());
  return inputs;
}

std::string single_calibration_input(const onnx::ModelProto& model, const std::string& what) {
  std::vector<std::string> inputs = data_inputs(model);
  if (inputs.size() != 1)
    throw Error(what + ": calibration feeds models with one input; this one has " +
                std::to_string(inputs.size()));
  return inputs[0];
}

}  // namespace kiln
