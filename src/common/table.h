#pragma once
// Reports are data first: a Table holds the cells, renderers turn it into Markdown or plain text,
// and the same values go to JSON, so every number in a report is the number that was measured.
#include <string>
#include <vector>

namespace kiln {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // Columns aligned right (numbers); others left.
  std::vector<bool> right_aligned;

  void add_row(std::vector<std::string> row) { rows.push_back(std::move(row)); }
  std::string markdown() const;
  std::string text() const;  // aligned columns for a terminal
};

}  // namespace kiln
