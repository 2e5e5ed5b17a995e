#pragma once
// `kiln pack`: the artifact a CI/CD pipeline gates on (seminar task 5). Writes, as a whole folder
// or not at all: model_opt.onnx, metadata.yaml (the seminar's keys plus hashes, signature,
// verified bound and measured error, accuracy, same-run latency ratio, machine), golden inputs
// and reference outputs in ONNX's test-data layout, validate.py and a model card.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln {

struct PackOptions {
  std::filesystem::path model;      // model_opt.onnx
  std::filesystem::path reference;  // what it must stay equivalent to (.pt or .onnx)
  std::string name = "simple_cnn";
  std::string version = "1.0";
  std::string dataset = "mnist";    // "none": no accuracy
  std::vector<std::string> optimization;  // passes applied (recorded as given)
  std::string calibration;          // for static INT8: method and samples, recorded as given
  double max_mae = 1e-3;            // the bound verified before anything is written
  int latency_runs = 100;
  std::filesystem::path out = "artifact_v1";
  bool git_commit = false;
  bool progress = true;
};

nlohmann::json pack_artifact(const PackOptions& options);

}  // namespace kiln
