#include <gtest/gtest.h>

#include "common/error.h"
#include "common/shape.h"

namespace kiln {

TEST(Shape, ParsesXAndCommaSeparated) {
  EXPECT_EQ(parse_shape("1x1x28x28"), (Shape{1, 1, 28, 28}));
  EXPECT_EQ(parse_shape("64,3,32,32"), (Shape{64, 3, 32, 32}));
  EXPECT_EQ(format_shape({1, 1, 28, 28}), "1x1x28x28");
}

TEST(Shape, RejectsMalformed) {
  for (const char* bad : {"", "x", "1x", "1xx2", "0x3", "-1x3", "1x2.5", "abc", "1x99999999999999999999"}) {
    EXPECT_THROW(parse_shape(bad), UsageError) << bad;
  }
}

TEST(Shape, RejectsAbsurdlyLarge) {
  EXPECT_THROW(parse_shape("100000x100000x100000"), Error);
  EXPECT_THROW(shape_numel({1 << 20, 1 << 20}, 1 << 30), Error);
  EXPECT_EQ(shape_numel({2, 3, 4}), 24);
}

TEST(Shape, IntList) {
  EXPECT_EQ(parse_int_list("1,64", "batch"), (std::vector<int64_t>{1, 64}));
  EXPECT_THROW(parse_int_list("1,,64", "batch"), UsageError);
  EXPECT_THROW(parse_int_list("0", "batch"), UsageError);
}

}  // namespace kiln
