#pragma once
// metadata.yaml: written from JSON in a fixed key order (the seminar's keys first), read back to
// JSON, and checked against the schema (required keys and their types).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln {

// Bounds on an untrusted metadata.yaml (docs/security.md). kiln writes a page of text nested four
// levels deep; these leave room for growth and stop alias bombs, deep nesting and huge files.
inline constexpr size_t kMaxMetadataBytes = size_t{1} << 20;  // 1 MiB
inline constexpr size_t kMaxMetadataDepth = 32;               // maps and lists inside each other
inline constexpr size_t kMaxMetadataValues = 100000;          // keys, scalars, maps and lists

// Throws kiln::Error for a key or string that is not valid UTF-8 (YAML has no form for it) and for
// a number that is not finite (it would read back as a string).
std::string metadata_to_yaml(const nlohmann::json& metadata);
// Throws kiln::Error naming the file for malformed YAML, including keys or values that are not
// valid UTF-8, YAML anchors and aliases (an artifact never needs them: they are how a few bytes
// become a huge or self-referencing document), more than one document, and documents past the
// bounds above. Never recurses: the document is built from the parser's events.
nlohmann::json parse_metadata_yaml(const std::string& text, const std::string& what);
// Problems with the schema, one line each (empty when valid).
std::vector<std::string> metadata_schema_problems(const nlohmann::json& metadata);

}  // namespace kiln
