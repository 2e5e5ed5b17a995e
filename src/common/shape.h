#pragma once
// Tensor shapes as users type them: "1x1x28x28" (also "1,1,28,28").
#include <cstdint>
#include <string>
#include <vector>

#include "kiln/types.h"  // Shape

namespace kiln {

// Parses a shape; every dimension must be a positive integer. Throws kiln::UsageError.
Shape parse_shape(const std::string& text);
std::string format_shape(const Shape& shape);
// Product of the dimensions; throws kiln::Error when it would overflow `limit`.
int64_t shape_numel(const Shape& shape, int64_t limit = int64_t{1} << 34);
// Parses "1,64" into {1, 64} (positive integers).
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& what);

}  // namespace kiln
