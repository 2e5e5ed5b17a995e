#pragma once
// Small IDX files made by the tests themselves (valid, truncated, corrupt), plain or gzip.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kiln::testing {

std::string idx_bytes(uint8_t type, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values);
void write_bytes(const std::filesystem::path& p, const std::string& bytes, bool gzip = false);
// A dataset folder with `n` train and `n` test samples, labels i % 10, in MNIST's file names.
void write_tiny_dataset(const std::filesystem::path& dir, uint32_t n, bool gzip);
std::filesystem::path fresh_dir(const std::string& name);

}  // namespace kiln::testing
