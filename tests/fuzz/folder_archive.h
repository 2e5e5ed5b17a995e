#pragma once
// A folder as one byte string, so libFuzzer can mutate every file of an artifact at once:
// records of [1 byte name length][name][4 bytes little-endian size][data], repeated. Unpacking
// is forgiving (a truncated record ends the folder) and safe: names are limited to
// [A-Za-z0-9_.-] with at most one '/', no "..", no leading '/' or '.'.
#include <filesystem>
#include <string>
#include <string_view>

namespace kiln::fuzz {

std::string pack_folder(const std::filesystem::path& dir);
// Writes the records as files under `dir` (which must exist and be empty).
void unpack_folder(std::string_view bytes, const std::filesystem::path& dir);

}  // namespace kiln::fuzz
