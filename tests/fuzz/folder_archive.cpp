#include "folder_archive.h"

#include <cstdint>
#include <fstream>

#include "common/atomic_file.h"

namespace fs = std::filesystem;

namespace kiln::fuzz {

namespace {

bool safe_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.front() == '.' || name.back() == '/')
    return false;
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos)
    return false;
  int slashes = 0;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == '/';
    if (!ok) return false;
    slashes += c == '/';
  }
  return slashes <= 1;
}

}  // namespace

std::string pack_folder(const fs::path& dir) {
  std::string out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string name = fs::relative(e.path(), dir).generic_string();
    std::string data = read_file(e.path());
    out += static_cast<char>(name.size());
    out += name;
    auto n = static_cast<uint32_t>(data.size());
    for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    out += data;
  }
  return out;
}

void unpack_folder(std::string_view b, const fs::path& dir) {
  size_t off = 0;
  while (off < b.size()) {
    size_t len = static_cast<uint8_t>(b[off++]);
    if (off + len + 4 > b.size()) return;
    std::string_view name = b.substr(off, len);
    off += len;
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= uint32_t{static_cast<uint8_t>(b[off + i])} << (8 * i);
    off += 4;
    std::string_view data = b.substr(off, std::min<size_t>(n, b.size() - off));
    off += data.size();
    if (!safe_name(name)) continue;
    fs::path p = dir / std::string(name);
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream(p, std::ios::binary)
        .write(data.data(), static_cast<std::streamsize>(data.size()));
  }
}

}  // namespace kiln::fuzz
