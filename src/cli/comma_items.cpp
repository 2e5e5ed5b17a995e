#include "cli/comma_items.h"

namespace kiln::cli {

std::vector<std::string> comma_items_keeping_empty(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::vector<std::string> comma_items(const std::string& text) {
  std::vector<std::string> out;
  for (auto& item : comma_items_keeping_empty(text))
    if (!item.empty()) out.push_back(std::move(item));
  return out;
}

}  // namespace kiln::cli
