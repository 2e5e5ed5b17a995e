#pragma once
// Options of `kiln export` (no LibTorch here, so the CLI and the pipeline include it cheaply).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln {

struct ExportOptions {
  std::filesystem::path model;   // TorchScript .pt
  std::string input_shape = "1x1x28x28";
  int opset = 13;                // 13..18
  std::string input_name = "input";
  std::string output_name = "output";
  bool static_batch = false;     // default: a symbolic "batch" axis on inputs and outputs
  std::filesystem::path out;
};

inline constexpr int kMinOpset = 13;
inline constexpr int kMaxOpset = 18;

// Exports, checks (full checker + shape inference) and writes atomically. Returns the report:
// file size, opset, op histogram, input/output names, dtypes and shapes.
nlohmann::json export_onnx(const ExportOptions& options);
std::string export_report_text(const nlohmann::json& report);

// What the exporter converts: one line per TorchScript op with the ONNX ops it becomes.
std::vector<std::pair<std::string, std::string>> supported_ops();

}  // namespace kiln
