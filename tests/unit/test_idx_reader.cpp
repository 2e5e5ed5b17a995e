#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "data/idx_reader.h"
#include "idx_fixtures.h"

namespace fs = std::filesystem;

namespace kiln {

using testing::idx_bytes;

namespace {

// The error message of parse_idx, or "" when it parsed.
std::string parse_error(const std::string& bytes, int rank) {
  try {
    parse_idx(bytes, "f.idx", rank);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

}  // namespace

TEST(IdxReader, ParsesValidImagesAndLabels) {
  std::vector<uint8_t> px(2 * 3 * 4);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i);
  auto a = parse_idx(idx_bytes(8, {2, 3, 4}, px), "x", 3);
  EXPECT_EQ(a.dims, (std::vector<uint32_t>{2, 3, 4}));
  EXPECT_EQ(a.values, px);
  EXPECT_EQ(a.count(), 2);
}

TEST(IdxReader, EveryMalformedInputIsOneNamedError) {
  std::vector<uint8_t> six(6, 1);
  struct Case {
    std::string bytes;
    int rank;
    std::string expect;
  } cases[] = {
      {"", 1, "empty file"},
      {std::string("\0\0", 2), 1, "truncated IDX header"},
      {idx_bytes(8, {6}, six).substr(0, 6), 1, "truncated IDX header"},
      {"\x01\x02\x08\x01" + std::string(10, '\0'), 1, "bad magic"},
      {idx_bytes(0x0D, {6}, six), 1, "element type 0x0d"},
      {idx_bytes(8, {2, 3}, six), 3, "declares 2 dimensions, expected 3"},
      {idx_bytes(8, {0}, {}), 1, "dimension 0 is zero"},
      {idx_bytes(8, {7}, six), 1, "truncated: header declares 7 values, file holds 6"},
      {idx_bytes(8, {5}, six), 1, "1 unexpected bytes"},
      {idx_bytes(8, {65535, 65535, 65535}, six), 3, "absurdly large"},
  };
  for (const auto& c : cases) {
    std::string err = parse_error(c.bytes, c.rank);
    EXPECT_NE(err.find(c.expect), std::string::npos) << "got: " << err;
    EXPECT_NE(err.find("f.idx"), std::string::npos) << "error must name the file: " << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  }
}

TEST(IdxReader, ReadsGzipAndRejectsTruncatedGzip) {
  auto d = testing::fresh_dir("idxgz");
  std::vector<uint8_t> labels(1000, 3);
  std::string bytes = idx_bytes(8, {1000}, labels);
  testing::write_bytes(d / "l.gz", bytes, /*gzip=*/true);
  EXPECT_EQ(read_idx(d / "l.gz", 1).values, labels);
  std::string gz = read_maybe_gzip(d / "l.gz", 1 << 20);
  EXPECT_EQ(gz, bytes);
  // Cut the compressed file in half.
  std::string raw;
  {
    std::ifstream in(d / "l.gz", std::ios::binary);
    raw.assign(std::istreambuf_iterator<char>(in), {});
  }
  testing::write_bytes(d / "cut.gz", raw.substr(0, raw.size() / 2));
  EXPECT_THROW(read_idx(d / "cut.gz", 1), Error);
  // A gzip bomb is refused at the limit, not decompressed whole.
  EXPECT_THROW(read_maybe_gzip(d / "l.gz", 100), Error);
  fs::remove_all(d);
}

TEST(IdxReader, MissingFileAndDirectoryAreErrors) {
  auto d = testing::fresh_dir("idxmissing");
  EXPECT_THROW(read_idx(d / "nope", 1), Error);
  EXPECT_THROW(read_idx(d, 1), Error);
  fs::remove_all(d);
}

}  // namespace kiln
