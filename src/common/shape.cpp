#include "common/shape.h"

#include <charconv>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.h"

namespace kiln {

namespace {

std::vector<int64_t> parse_positive_list(const std::string& text, const std::string& what,
                                         const std::string& separators) {
  std::vector<int64_t> out;
  size_t pos = 0;
  if (text.empty()) throw UsageError(fmt::format("empty {}", what));
  while (pos <= text.size()) {
    size_t end = text.find_first_of(separators, pos);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(pos, end - pos);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || value <= 0) {
      throw UsageError(fmt::format("invalid {} '{}': '{}' is not a positive integer", what, text, part));
    }
    out.push_back(value);
    pos = end + 1;
  }
  return out;
}

}  // namespace

Shape parse_shape(const std::string& text) {
  Shape s = parse_positive_list(text, "shape", "x,");
  if (s.size() > 8) throw UsageError(fmt::format("invalid shape '{}': more than 8 dimensions", text));
  shape_numel(s);
  return s;
}

std::string format_shape(const Shape& shape) { return fmt::format("{}", fmt::join(shape, "x")); }

int64_t shape_numel(const Shape& shape, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(fmt::format("shape {} has a negative dimension", format_shape(shape)));
    if (d != 0 && n > limit / d) {
      throw Error(fmt::format("shape {} is too large (more than {} elements)", format_shape(shape), limit));
    }
    n *= d;
  }
  return n;
}

std::vector<int64_t> parse_int_list(const std::string& text, const std::string& what) {
  return parse_positive_list(text, what, ",");
}

}  // namespace kiln
