#include "quantize_onnx/calibration_data.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/error.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"

namespace kiln {

namespace fs = std::filesystem;

HostTensor leading_rows(const HostTensor& t, int64_t count) {
  if (t.shape.empty() || count >= t.shape[0]) return t;
  HostTensor out(t.name, t.dtype, t.shape);
  out.shape[0] = count;
  out.data = t.data.substr(0, t.data.size() / t.shape[0] * count);
  return out;
}

CalibrationData load_calibration_data(const std::string& source, int64_t samples, int64_t batch,
                                      const std::string& input_name) {
  if (samples <= 0) throw OptionError("calib_samples", "must be at least 1");
  CalibrationData data;
  data.source = source;
  const auto& names = dataset_names();
  if (std::find(names.begin(), names.end(), source) != names.end()) {
    Dataset train = load_dataset(source, Split::kTrain);
    int64_t n = std::min(samples, train.count);
    for (int64_t start = 0; start < n; start += batch) {
      HostTensor t = dataset_batch(train, start, std::min(batch, n - start));
      t.name = input_name;
      data.batches.push_back({std::move(t)});
    }
    data.is_dataset = true;
    data.samples = n;
    return data;
  }
  fs::path dir(source);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error("--calibrate: '" + source + "' is neither a dataset (mnist, fashion-mnist) nor a " +
                "folder of .pb tensors");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".pb") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error("--calibrate: " + source + ": no .pb files");
  for (const auto& f : files) {
    if (data.samples >= samples) break;
    HostTensor t = read_tensor_pb(f);
    if (t.shape.empty()) throw Error(f.string() + ": a scalar cannot be a calibration batch");
    t = leading_rows(t, samples - data.samples);
    t.name = input_name;
    data.samples += t.shape[0];
    data.batches.push_back({std::move(t)});
  }
  return data;
}

std::string single_calibration_input(const onnx::ModelProto& model, const std::string& what) {
  std::set<std::string> inits;
  for (const auto& t : model.graph().initializer()) inits.insert(t.name());
  std::vector<std::string> inputs;
  for (const auto& in : model.graph().input())
    if (!inits.count(in.name())) inputs.push_back(in.name());
  if (inputs.size() != 1)
    throw Error(what + ": calibration feeds models with one input; this one has " +
                std::to_string(inputs.size()));
  return inputs[0];
}

}  // namespace kiln
