#pragma once
// best.json: the ONNX Runtime session settings `kiln bench --tune` found, read back by
// `kiln bench --config`. Holds one configuration per objective (p50 latency, throughput).
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/ort_session.h"

namespace kiln {

nlohmann::json session_options_json(const SessionOptions& o);
// Throws kiln::Error naming `what` for missing or unknown values.
SessionOptions session_options_from_json(const nlohmann::json& j, const std::string& what);
// "2 threads, all, cpu, spin" (0 threads: "default threads").
std::string describe_session_options(const SessionOptions& o);

// Reads FILE's configuration for `objective` ("latency" or "throughput").
SessionOptions read_bench_config(const std::filesystem::path& file, const std::string& objective);

}  // namespace kiln
