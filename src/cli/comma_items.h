#pragma once
// The items of a comma-separated option value (`--exclude a,b`, `--passes x,y`), with an explicit
// policy for empty items: dropped where an empty name means nothing, kept where the command's
// Options::validate() should name it as an error.
#include <string>
#include <vector>

namespace kiln::cli {

// "a,,b," → {a, b}; "" → {}.
std::vector<std::string> comma_items(const std::string& text);
// "a,,b," → {a, "", b, ""}; "" → {""}.
std::vector<std::string> comma_items_keeping_empty(const std::string& text);

}  // namespace kiln::cli
