#pragma once
// The IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed): a big-endian header
// (0, 0, type code, rank, then `rank` uint32 dimensions) followed by the raw values.
// Every malformed file is a kiln::Error naming the file and the problem.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kiln {

struct IdxArray {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> values;  // unsigned bytes, row-major
  int64_t count() const { return dims.empty() ? 0 : dims[0]; }
};

// Largest decompressed payload kiln accepts (guards against absurd declared dimensions).
inline constexpr uint64_t kIdxMaxBytes = uint64_t{1} << 31;

// Parses an IDX byte buffer; `name` is used in error messages.
IdxArray parse_idx(const std::string& bytes, const std::string& name, int expected_rank);
// Reads `path` (gzip detected by its magic bytes) and parses it.
IdxArray read_idx(const std::filesystem::path& path, int expected_rank);
// Gunzips `path` when compressed, with a size limit; plain files are returned as they are.
std::string read_maybe_gzip(const std::filesystem::path& path, uint64_t max_bytes);

}  // namespace kiln
