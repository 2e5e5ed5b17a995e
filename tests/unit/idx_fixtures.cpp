#include "idx_fixtures.h"

#include <unistd.h>
#include <zlib.h>

#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace kiln::testing {

std::string idx_bytes(uint8_t type, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
  std::string b{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<char>((d >> s) & 0xff));
  }
  b.append(values.begin(), values.end());
  return b;
}

void write_bytes(const fs::path& p, const std::string& bytes, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(p.c_str(), "wb");
    if (f == nullptr) throw std::runtime_error("gzopen failed");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
}

void write_tiny_dataset(const fs::path& dir, uint32_t n, bool gzip) {
  fs::create_directories(dir);
  std::vector<uint8_t> pixels(size_t{n} * 28 * 28), labels(n);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7);
  for (uint32_t i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(i % 10);
  std::string ext = gzip ? ".gz" : "";
  for (const char* split : {"train", "t10k"}) {
    write_bytes(dir / (std::string(split) + "-images-idx3-ubyte" + ext), idx_bytes(8, {n, 28, 28}, pixels), gzip);
    write_bytes(dir / (std::string(split) + "-labels-idx1-ubyte" + ext), idx_bytes(8, {n}, labels), gzip);
  }
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("kiln_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace kiln::testing
