// The UTF-8 validator kiln applies to untrusted text (common/utf8.h).
#include <gtest/gtest.h>

#include "common/utf8.h"

namespace kiln {

TEST(Utf8, AcceptsValidAndRefusesEveryKindOfInvalidSequence) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("model_opt.onnx"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9t\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x94\xA5"));  // été → 🔥
  EXPECT_FALSE(is_valid_utf8("a\xACz"));            // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, ReplacesInvalidBytesWithTheReplacementCharacter) {
  EXPECT_EQ(to_valid_utf8("a\xACz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(to_valid_utf8("\xC3\xA9"), "\xC3\xA9");
  EXPECT_TRUE(is_valid_utf8(to_valid_utf8("\xC0\x80\xFF\xED\xA0\x80")));
}

}  // namespace kiln
