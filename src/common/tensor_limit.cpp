#include "common/tensor_limit.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

uint64_t max_tensor_bytes() {
  const char* env = std::getenv("KILN_MAX_TENSOR_BYTES");
  if (env == nullptr || *env == '\0') return kDefaultMaxTensorBytes;
  uint64_t value = 0;
  const char* end = env + std::strlen(env);
  auto [p, ec] = std::from_chars(env, end, value);
  if (ec != std::errc() || p != end || value == 0) {
    throw UsageError(
        fmt::format("KILN_MAX_TENSOR_BYTES='{}' is not a positive number of bytes", env));
  }
  return value;
}

void check_tensor_size(const Shape& shape, size_t element_size, const std::string& what) {
  uint64_t limit = max_tensor_bytes();
  uint64_t bytes = element_size;
  bool over = false;
  for (int64_t d : shape) {
    if (d < 0) throw Error(fmt::format("{}: negative dimension in {}", what, format_shape(shape)));
    if (d == 0) return;  // empty, whatever the other dimensions say
    // Overflow-checked, so no declared shape can wrap around to a small size.
    over = over || __builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes);
  }
  if (over || bytes > limit) {
    throw Error(fmt::format("{}: shape {} is too large: needs more than {} bytes (limit: KILN_MAX_TENSOR_BYTES)",
                            what, format_shape(shape), limit));
  }
}

}  // namespace kiln
