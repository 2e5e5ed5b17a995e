#include "data/batch_folder.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.h"
#include "tensor/numpy_file.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// Labels as int64, whatever integer dtype the file used (np.savez keeps the array's own).
HostTensor labels_as_int64(const HostTensor& t, const std::string& what) {
  if (t.shape.size() != 1) throw Error(fmt::format("{}: labels must be one class id per sample (1-D), not {}", what, format_shape(t.shape)));
  if (is_floating(t.dtype) || t.dtype == DType::Bool)
    throw Error(fmt::format("{}: labels must be integer class ids, not {}", what, dtype_name(t.dtype)));
  HostTensor out("labels", DType::Int64, {t.numel()});  // (1-D, checked above)
  for (int64_t i = 0; i < t.numel(); ++i) out.ptr<int64_t>()[i] = static_cast<int64_t>(t.at(i));
  return out;
}

DataBatch read_npz_batch(const fs::path& file, const std::vector<std::string>& names) {
  DataBatch b;
  b.file = file.string();
  std::vector<HostTensor> members = read_npz(file);
  std::map<std::string, HostTensor> by_name;
  for (auto& m : members) by_name[m.name] = std::move(m);
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = by_name.find(names[i]);
    if (it == by_name.end()) it = by_name.find(fmt::format("arr_{}", i));
    if (it == by_name.end()) {
      std::string have;
      for (const auto& [k, v] : by_name) have += (have.empty() ? "" : ", ") + k;
      throw Error(fmt::format("{}: no member for input '{}' (members: {})", b.file, names[i], have));
    }
    HostTensor t = std::move(it->second);
    by_name.erase(it);
    t.name = names[i];
    b.inputs.push_back(std::move(t));
  }
  if (auto it = by_name.find("labels"); it != by_name.end()) {
    b.labels = labels_as_int64(it->second, b.file + " member 'labels'");
    by_name.erase(it);
  }
  if (!by_name.empty())
    throw Error(fmt::format("{}: member '{}' names no input of the model (inputs: {}; labels go in 'labels')", b.file,
                            by_name.begin()->first, fmt::join(names, ", ")));
  return b;
}

}  // namespace

HostTensor leading_rows(const HostTensor& t, int64_t count) {
  if (t.shape.empty() || count >= t.shape[0]) return t;
  HostTensor out(t.name, t.dtype, t.shape);
  out.shape[0] = count;
  out.data = t.data.substr(0, t.data.size() / static_cast<size_t>(t.shape[0]) * static_cast<size_t>(count));
  return out;
}

BatchFolder read_batch_folder(const fs::path& dir, const std::vector<std::string>& input_names, int64_t max_samples,
                              const std::string& flag) {
  if (input_names.empty()) throw Error(flag + ": the model has no inputs to feed");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(fmt::format("{}: '{}' is not a folder of .npz or .pb batches", flag, dir.string()));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file(ec) && (ext == ".npz" || ext == ".pb")) files.push_back(e.path());
  }
  if (ec) throw Error(fmt::format("{}: '{}' cannot be listed: {}", flag, dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(fmt::format("{}: '{}' holds no .npz or .pb batches", flag, dir.string()));

  BatchFolder folder;
  folder.source = dir.string();
  for (const auto& f : files) {
    if (max_samples > 0 && folder.samples >= max_samples) break;
    DataBatch b;
    if (f.extension() == ".pb") {
      if (input_names.size() != 1)
        throw Error(fmt::format("{}: a .pb holds one tensor and the model has {} inputs; save each batch as .npz with members {}",
                                f.string(), input_names.size(), fmt::join(input_names, ", ")));
      b.file = f.string();
      b.inputs.push_back(read_tensor_pb(f));
      b.inputs[0].name = input_names[0];
    } else {
      b = read_npz_batch(f, input_names);
    }
    for (const auto& t : b.inputs)
      if (t.shape.empty()) throw Error(fmt::format("{}: input '{}' is a scalar; a batch has samples along dimension 0", b.file, t.name));
    b.samples = b.inputs[0].shape[0];
    if (b.samples == 0) throw Error(fmt::format("{}: an empty batch (0 samples)", b.file));
    if (b.labels && b.labels->shape[0] != b.samples)
      throw Error(fmt::format("{}: {} labels for {} samples", b.file, b.labels->shape[0], b.samples));
    if (!folder.batches.empty() && b.labels.has_value() != folder.labelled)
      throw Error(fmt::format("{}: {} labels where {} {} (every file labelled, or none)", b.file, b.labels ? "has" : "has no",
                              folder.batches.front().file, folder.labelled ? "has them" : "has none"));
    folder.labelled = b.labels.has_value();
    if (max_samples > 0 && folder.samples + b.samples > max_samples) {
      const int64_t keep = max_samples - folder.samples;
      bool rows = true;
      for (const auto& t : b.inputs) rows &= t.shape[0] == b.samples;
      if (rows) {
        for (auto& t : b.inputs) t = leading_rows(t, keep);
        if (b.labels) *b.labels = leading_rows(*b.labels, keep);
        b.samples = keep;
      }
    }
    folder.samples += b.samples;
    folder.batches.push_back(std::move(b));
  }
  return folder;
}

void check_batches(const BatchFolder& folder, const std::vector<InputSpec>& specs, const std::string& flag) {
  for (const auto& b : folder.batches) {
    if (b.inputs.size() != specs.size())
      throw Error(fmt::format("{} {}: {} inputs for {} declared", flag, b.file, b.inputs.size(), specs.size()));
    std::map<std::string, int64_t> symbols;
    for (size_t i = 0; i < specs.size(); ++i) {
      const InputSpec& spec = specs[i];
      const HostTensor& t = b.inputs[i];
      if (t.dtype != spec.dtype)
        throw Error(fmt::format("{} {}: input '{}' is {} and declared {}", flag, b.file, spec.name, dtype_name(t.dtype),
                                dtype_name(spec.dtype)));
      if (t.shape.size() != spec.dims.size())
        throw Error(fmt::format("{} {}: input '{}' is {} ({} dims) and declared {} dims", flag, b.file, spec.name,
                                format_shape(t.shape), t.shape.size(), spec.dims.size()));
      for (size_t d = 0; d < spec.dims.size(); ++d) {
        const DimSpec& dim = spec.dims[d];
        if (!dim.dynamic()) {
          if (t.shape[d] != dim.size)
            throw Error(fmt::format("{} {}: input '{}' dim {} is {} and declared static {}", flag, b.file, spec.name, d,
                                    t.shape[d], dim.size));
          continue;
        }
        if (t.shape[d] <= 0)
          throw Error(fmt::format("{} {}: input '{}' dim {} ('{}') is empty", flag, b.file, spec.name, d, dim.symbol));
        auto [it, fresh] = symbols.emplace(dim.symbol, t.shape[d]);
        if (!fresh && it->second != t.shape[d])
          throw Error(fmt::format("{} {}: dim '{}' is {} in one input and {} in input '{}'", flag, b.file, dim.symbol,
                                  it->second, t.shape[d], spec.name));
      }
    }
  }
}

}  // namespace kiln
