// libFuzzer target: the IDX reader (MNIST's format), from bytes and through a file (plain or
// gzip, detected by magic), for both ranks kiln reads (labels: 1, images: 3).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.h"
#include "data/idx_reader.h"

namespace {

std::filesystem::path scratch_file() {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("kiln_fuzz_idx." + std::to_string(getpid()));
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  for (int rank : {1, 3}) {
    try {
      kiln::IdxArray a = kiln::parse_idx(bytes, "fuzz.idx", rank);
      // The reader's promise: dims multiply to the number of values.
      uint64_t n = 1;
      for (uint32_t d : a.dims) n *= d;
      if (n != a.values.size()) __builtin_trap();
    } catch (const kiln::Error&) {
    }
  }
  try {
    // A plain write: fsync per input would dominate the run time.
    std::ofstream(scratch_file(), std::ios::binary | std::ios::trunc) << bytes;
    kiln::read_idx(scratch_file(), 3);
  } catch (const kiln::Error&) {
  }
  return 0;
}
