#pragma once
// metadata.yaml: written from JSON in a fixed key order (the seminar's keys first), read back to
// JSON, and checked against the schema (required keys and their types).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln {

// Throws kiln::Error for a key or string that is not valid UTF-8 (YAML has no form for it) and for
// a number that is not finite (it would read back as a string).
std::string metadata_to_yaml(const nlohmann::json& metadata);
// Throws kiln::Error naming the file for malformed YAML, including keys or values that are not
// valid UTF-8.
nlohmann::json parse_metadata_yaml(const std::string& text, const std::string& what);
// Problems with the schema, one line each (empty when valid).
std::vector<std::string> metadata_schema_problems(const nlohmann::json& metadata);

}  // namespace kiln
