#pragma once
// The largest tensor kiln will allocate for data it did not create itself (a model's initializer,
// a golden tensor, an input generated for a declared shape). Untrusted files can declare any
// dimensions; checking the declared size against this limit before allocating turns an absurd
// declaration into a one-line error instead of an out-of-memory kill.
#include <cstdint>
#include <string>

#include "common/shape.h"

namespace kiln {

inline constexpr uint64_t kDefaultMaxTensorBytes = uint64_t{4} << 30;  // 4 GiB

// KILN_MAX_TENSOR_BYTES when set (a positive integer of bytes), otherwise 4 GiB. A malformed
// value is a kiln::UsageError.
uint64_t max_tensor_bytes();

// Throws kiln::Error "WHAT: shape S is too large: needs more than N bytes ..." when a tensor
// of `shape` with `element_size`-byte elements is larger than max_tensor_bytes() (or overflows).
void check_tensor_size(const Shape& shape, size_t element_size, const std::string& what);

}  // namespace kiln
