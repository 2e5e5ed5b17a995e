#pragma once
// `kiln data info`: what a dataset holds (counts, image size, per-class histogram, pixel stats).
#include <string>

#include <nlohmann/json.hpp>

namespace kiln {

struct DatasetInfoOptions {
  std::string dataset = "mnist";
};

// Loads both splits and summarises them; throws kiln::Error when the data is missing or bad.
nlohmann::json dataset_info(const DatasetInfoOptions& options);
// Renders the summary for a terminal.
std::string format_dataset_info(const nlohmann::json& info);

}  // namespace kiln
