#pragma once
// metadata.yaml: written from JSON in a fixed key order (the seminar's keys first), read back to
// JSON, and checked against the schema (required keys and their types).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln {

std::string metadata_to_yaml(const nlohmann::json& metadata);
// Throws kiln::Error naming the file for malformed YAML.
nlohmann::json parse_metadata_yaml(const std::string& text, const std::string& what);
// Problems with the schema, one line each (empty when valid).
std::vector<std::string> metadata_schema_problems(const nlohmann::json& metadata);

}  // namespace kiln
