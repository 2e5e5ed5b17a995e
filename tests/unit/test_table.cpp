#include <gtest/gtest.h>

#include "common/table.h"

namespace kiln {

TEST(Table, MarkdownAlignsByDisplayWidth) {
  Table t;
  t.header = {"name", "Δ"};
  t.right_aligned = {false, true};
  t.add_row({"a", "1"});
  t.add_row({"−0.5", "22"});
  EXPECT_EQ(t.markdown(),
            "| name |   Δ |\n"
            "| ---- | --: |\n"
            "| a    |   1 |\n"
            "| −0.5 |  22 |\n");
}

TEST(Table, TextHasOneLinePerRowPlusHeader) {
  Table t;
  t.header = {"a", "b"};
  t.add_row({"1", "2"});
  t.add_row({"3"});
  EXPECT_EQ(t.text(), "a    b  \n1    2  \n3       \n");
}

}  // namespace kiln
