#include "data/dataset_info.h"

#include <cmath>

#include <fmt/format.h>

#include "common/table.h"
#include "data/dataset.h"

namespace kiln {

nlohmann::json dataset_info(const DatasetInfoOptions& options) {
  DatasetLocation loc = locate_dataset(options.dataset);
  nlohmann::json out;
  out["dataset"] = options.dataset;
  Dataset train = load_dataset(options.dataset, Split::kTrain);
  Dataset test = load_dataset(options.dataset, Split::kTest);
  out["location"] = loc.dir ? loc.dir->string() : std::string("?");  // found: it just loaded
  auto names = class_names(options.dataset);
  for (const Dataset* ds : {&train, &test}) {
    nlohmann::json s;
    s["count"] = ds->count;
    s["image_shape"] = {ds->rows, ds->cols};
    auto h = class_histogram(*ds);
    s["class_counts"] = h;
    double sum = 0, sum2 = 0;
    for (uint8_t v : ds->images) {
      double x = v / 255.0;
      sum += x;
      sum2 += x * x;
    }
    double n = static_cast<double>(ds->images.size());
    s["pixel_mean"] = sum / n;
    s["pixel_std"] = std::sqrt(std::max(0.0, sum2 / n - (sum / n) * (sum / n)));
    out[ds->split == Split::kTrain ? "train" : "test"] = s;
  }
  out["class_names"] = names;
  return out;
}

std::string format_dataset_info(const nlohmann::json& info) {
  std::string out = fmt::format("dataset   {}\nlocation  {}\n", info["dataset"].get<std::string>(),
                                info["location"].get<std::string>());
  for (const char* split : {"train", "test"}) {
    const auto& s = info[split];
    out += fmt::format("{:<9} {} images of {}x{}, pixel mean {:.4f}, std {:.4f}\n", split, s["count"].get<int64_t>(),
                       s["image_shape"][0].get<int64_t>(), s["image_shape"][1].get<int64_t>(),
                       s["pixel_mean"].get<double>(), s["pixel_std"].get<double>());
  }
  Table t;
  t.header = {"class", "name", "train", "test"};
  t.right_aligned = {true, false, true, true};
  for (int c = 0; c < 10; ++c) {
    t.add_row({std::to_string(c), info["class_names"][c].get<std::string>(),
               std::to_string(info["train"]["class_counts"][c].get<int64_t>()),
               std::to_string(info["test"]["class_counts"][c].get<int64_t>())});
  }
  return out + "\n" + t.text();
}

}  // namespace kiln
