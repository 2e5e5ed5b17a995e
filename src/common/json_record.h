#pragma once
// Typed records on disk: every command's Result is a struct whose JSON form is derived from its
// fields (NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE next to the struct), so the keys are written and
// read in one place and a renamed field fails to compile instead of reading back nothing.
// std::optional fields are written as null when empty and read back from null or a missing key.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"

NLOHMANN_JSON_NAMESPACE_BEGIN
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v)
      j = *v;
    else
      j = nullptr;
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null())
      v.reset();
    else
      v = j.get<T>();
  }
};
NLOHMANN_JSON_NAMESPACE_END

namespace kiln {

// The on-disk text of a record (pretty-printed, newline-terminated).
template <typename T>
std::string record_text(const T& record) {
  return nlohmann::json(record).dump(2) + "\n";
}

// Parses a record of type T from `text`; kiln::Error names `what` (a file) and the missing or
// mistyped key, e.g. a stage record written by another kiln version.
template <typename T>
T parse_record(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(what + ": not a record this kiln reads (" + first_line(e.what()) + ")");
  }
}

// Reads and parses a record file.
template <typename T>
T read_record(const std::filesystem::path& path) {
  return parse_record<T>(read_file(path), path.string());
}

}  // namespace kiln
