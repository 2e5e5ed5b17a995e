#include "tensor/numpy_file.h"

#include <zip.h>

#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "common/error.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// Archives and arrays beyond this are refused before they are read (a bomb in an npz).
constexpr uint64_t kMaxMemberBytes = 8ull << 30;

DType dtype_from_descr(const std::string& descr, const std::string& what) {
  if (descr.size() < 2) throw Error(fmt::format("{}: dtype '{}' is not understood", what, descr));
  char order = descr[0];
  std::string kind = descr.substr(1);
  if (order == '>' && kind != "u1" && kind != "i1" && kind != "b1") {
    throw Error(fmt::format("{}: big-endian dtype '{}' is not supported (save it little-endian)", what, descr));
  }
  if (kind == "f4") return DType::Float32;
  if (kind == "f8") return DType::Float64;
  if (kind == "f2") return DType::Float16;
  if (kind == "i8") return DType::Int64;
  if (kind == "i4") return DType::Int32;
  if (kind == "i2") return DType::Int16;
  if (kind == "i1") return DType::Int8;
  if (kind == "u1") return DType::UInt8;
  if (kind == "b1") return DType::Bool;
  throw Error(fmt::format("{}: dtype '{}' is not one kiln reads (float16/32/64, int8/16/32/64, uint8, bool)", what, descr));
}

// The value of `key` in the header dict ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }").
std::string header_field(const std::string& header, const std::string& key, const std::string& what) {
  auto k = header.find("'" + key + "'");
  if (k == std::string::npos) throw Error(fmt::format("{}: the .npy header has no '{}'", what, key));
  auto colon = header.find(':', k);
  if (colon == std::string::npos) throw Error(fmt::format("{}: the .npy header is malformed", what));
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) throw Error(fmt::format("{}: the .npy header is malformed", what));
  size_t end;
  if (header[start] == '\'') {
    end = header.find('\'', start + 1);
    if (end == std::string::npos) throw Error(fmt::format("{}: the .npy header is malformed", what));
    return header.substr(start + 1, end - start - 1);
  }
  if (header[start] == '(') {
    end = header.find(')', start);
    if (end == std::string::npos) throw Error(fmt::format("{}: the .npy header is malformed", what));
    return header.substr(start, end - start + 1);
  }
  end = header.find_first_of(",}", start);
  return header.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

Shape parse_shape(const std::string& tuple, const std::string& what) {
  Shape shape;
  std::string inner = tuple.substr(1, tuple.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t a = item.find_first_not_of(' ');
    if (a == std::string::npos) continue;
    item = item.substr(a, item.find_last_not_of(' ') - a + 1);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 12) {
      throw Error(fmt::format("{}: shape {} is not understood", what, tuple));
    }
    shape.push_back(std::stoll(item));
  }
  return shape;
}

}  // namespace

HostTensor parse_npy(std::string_view bytes, const std::string& name, const std::string& what) {
  if (bytes.size() < 10 || bytes.substr(0, 6) != std::string_view("\x93NUMPY", 6)) {
    throw Error(fmt::format("{}: not a .npy array (no NUMPY magic)", what));
  }
  auto major = static_cast<uint8_t>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw Error(fmt::format("{}: truncated .npy header", what));
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw Error(fmt::format("{}: .npy format version {} is not supported", what, major));
  }
  if (header_len > bytes.size() - offset) throw Error(fmt::format("{}: truncated .npy header", what));
  std::string header(bytes.substr(offset, header_len));
  std::string descr = header_field(header, "descr", what);
  if (header_field(header, "fortran_order", what).find("True") != std::string::npos) {
    throw Error(fmt::format("{}: Fortran-ordered arrays are not supported (save np.ascontiguousarray(a))", what));
  }
  HostTensor t(name, dtype_from_descr(descr, what), parse_shape(header_field(header, "shape", what), what));
  size_t data_at = offset + header_len;
  if (bytes.size() - data_at != t.data.size()) {
    throw Error(fmt::format("{}: {} data bytes where dtype and shape need {}", what, bytes.size() - data_at, t.data.size()));
  }
  t.data.assign(bytes.data() + data_at, t.data.size());
  return t;
}

HostTensor read_npy(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot read", path.string()));
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || size > kMaxMemberBytes) throw Error(fmt::format("{}: unreadable or too large", path.string()));
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  return parse_npy(bytes, path.stem().string(), path.string());
}

std::vector<HostTensor> read_npz(const fs::path& path) {
  int err = 0;
  std::unique_ptr<zip_t, decltype(&zip_close)> archive(zip_open(path.c_str(), ZIP_RDONLY, &err), &zip_close);
  if (!archive) throw Error(fmt::format("{}: not a readable .npz (zip) archive", path.string()));
  std::vector<HostTensor> out;
  zip_int64_t n = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(archive.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
      throw Error(fmt::format("{}: member {} cannot be read", path.string(), i));
    }
    std::string member = st.name != nullptr ? st.name : "";
    std::string what = fmt::format("{} [{}]", path.string(), member);
    if (member.size() < 5 || member.substr(member.size() - 4) != ".npy") throw Error(fmt::format("{}: not an .npy member", what));
    if (st.size > kMaxMemberBytes) throw Error(fmt::format("{}: {} bytes is beyond kiln's limit", what, st.size));
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(i), 0), &zip_fclose);
    if (!file) throw Error(fmt::format("{}: cannot be opened (encrypted or an unsupported compression)", what));
    std::string bytes(st.size, '\0');
    zip_int64_t got = zip_fread(file.get(), bytes.data(), st.size);
    if (got < 0 || static_cast<zip_uint64_t>(got) != st.size) throw Error(fmt::format("{}: truncated member", what));
    out.push_back(parse_npy(bytes, member.substr(0, member.size() - 4), what));
  }
  if (out.empty()) throw Error(fmt::format("{}: the archive holds no arrays", path.string()));
  return out;
}

}  // namespace kiln
