#include "common/utf8.h"

#include <nlohmann/json.hpp>

namespace kiln {

bool is_valid_utf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();  // strict: throws type_error 316 at the first bad byte
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

std::string to_valid_utf8(const std::string& text) {
  using json = nlohmann::json;
  return json::parse(json(text).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

}  // namespace kiln
