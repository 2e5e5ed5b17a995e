#include "common/table.h"

#include <algorithm>

namespace kiln {

namespace {

// Display width: UTF-8 continuation bytes take no column (Δ, −, · are one column each).
size_t display_width(const std::string& s) {
  size_t w = 0;
  for (unsigned char ch : s) w += (ch & 0xC0) != 0x80;
  return w;
}

bool right(const Table& t, size_t col) { return col < t.right_aligned.size() && t.right_aligned[col]; }

std::vector<size_t> widths(const Table& t) {
  std::vector<size_t> w(t.header.size(), 3);  // Markdown's separator needs three dashes
  for (size_t c = 0; c < t.header.size(); ++c) w[c] = std::max(w[c], display_width(t.header[c]));
  for (const auto& row : t.rows)
    for (size_t c = 0; c < row.size() && c < w.size(); ++c) w[c] = std::max(w[c], display_width(row[c]));
  return w;
}

std::string pad(const std::string& s, size_t width, bool align_right) {
  size_t have = display_width(s);
  if (have >= width) return s;
  std::string fill(width - have, ' ');
  return align_right ? fill + s : s + fill;
}

}  // namespace

std::string Table::markdown() const {
  auto w = widths(*this);
  std::string out = "|";
  for (size_t c = 0; c < header.size(); ++c) out += " " + pad(header[c], w[c], right(*this, c)) + " |";
  out += "\n|";
  for (size_t c = 0; c < header.size(); ++c) {
    std::string dashes(w[c], '-');
    if (right(*this, c)) dashes.back() = ':';
    out += " " + dashes + " |";
  }
  out += "\n";
  for (const auto& row : rows) {
    out += "|";
    for (size_t c = 0; c < header.size(); ++c) {
      out += " " + pad(c < row.size() ? row[c] : "", w[c], right(*this, c)) + " |";
    }
    out += "\n";
  }
  return out;
}

std::string Table::text() const {
  auto w = widths(*this);
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < header.size(); ++c) {
      out += pad(c < cells.size() ? cells[c] : "", w[c], right(*this, c));
      out += c + 1 < header.size() ? "  " : "\n";
    }
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

}  // namespace kiln
