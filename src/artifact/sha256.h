#pragma once
// SHA-256 of a file (OpenSSL), as lowercase hex.
#include <filesystem>
#include <string>

namespace kiln {

std::string sha256_file(const std::filesystem::path& path);
std::string sha256_hex(const std::string& bytes);

}  // namespace kiln
