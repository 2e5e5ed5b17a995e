#include "data/idx_reader.h"

#include <zlib.h>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"

namespace kiln {

namespace {

constexpr uint8_t kTypeUnsignedByte = 0x08;

uint32_t be32(const std::string& b, size_t off) {
  return (uint32_t{static_cast<uint8_t>(b[off])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[off + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[off + 2])} << 8) | uint32_t{static_cast<uint8_t>(b[off + 3])};
}

bool is_gzip(const std::string& head) {
  return head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x1f && static_cast<uint8_t>(head[1]) == 0x8b;
}

std::string gunzip(const std::string& compressed, const std::string& name, uint64_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw Error(fmt::format("{}: cannot initialise zlib", name));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw Error(fmt::format("{}: corrupt or truncated gzip data", name));
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&zs);
      throw Error(fmt::format("{}: decompresses to more than {} bytes", name, max_bytes));
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw Error(fmt::format("{}: truncated gzip data", name));
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace

std::string read_maybe_gzip(const std::filesystem::path& path, uint64_t max_bytes) {
  std::string raw = read_file(path);
  if (is_gzip(raw)) return gunzip(raw, path.string(), max_bytes);
  if (raw.size() > max_bytes) throw Error(fmt::format("{}: larger than {} bytes", path.string(), max_bytes));
  return raw;
}

IdxArray parse_idx(const std::string& b, const std::string& name, int expected_rank) {
  if (b.empty()) throw Error(fmt::format("{}: empty file, expected IDX data", name));
  if (b.size() < 4) throw Error(fmt::format("{}: truncated IDX header ({} bytes)", name, b.size()));
  if (b[0] != 0 || b[1] != 0) throw Error(fmt::format("{}: not an IDX file (bad magic number)", name));
  auto type = static_cast<uint8_t>(b[2]);
  auto rank = static_cast<uint8_t>(b[3]);
  if (type != kTypeUnsignedByte) {
    throw Error(fmt::format("{}: IDX element type 0x{:02x} not supported (expected 0x08, unsigned byte)", name, type));
  }
  if (rank != expected_rank) {
    throw Error(fmt::format("{}: IDX magic {} declares {} dimensions, expected {}", name,
                            (uint32_t{type} << 8) | rank, rank, expected_rank));
  }
  size_t header = 4 + 4 * size_t{rank};
  if (b.size() < header) throw Error(fmt::format("{}: truncated IDX header", name));
  IdxArray out;
  uint64_t total = 1;
  for (int i = 0; i < rank; ++i) {
    uint32_t d = be32(b, 4 + 4 * size_t(i));
    if (d == 0) throw Error(fmt::format("{}: dimension {} is zero", name, i));
    total *= d;
    if (total > kIdxMaxBytes) throw Error(fmt::format("{}: declared dimensions are absurdly large", name));
    out.dims.push_back(d);
  }
  uint64_t have = b.size() - header;
  if (have < total) {
    throw Error(fmt::format("{}: truncated: header declares {} values, file holds {}", name, total, have));
  }
  if (have > total) {
    throw Error(fmt::format("{}: {} unexpected bytes after the declared {} values", name, have - total, total));
  }
  out.values.assign(b.begin() + static_cast<std::ptrdiff_t>(header), b.end());
  return out;
}

IdxArray read_idx(const std::filesystem::path& path, int expected_rank) {
  return parse_idx(read_maybe_gzip(path, kIdxMaxBytes + 64), path.string(), expected_rank);
}

}  // namespace kiln
