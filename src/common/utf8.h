#pragma once
// UTF-8 checks for text that comes from files kiln does not trust (metadata.yaml keys and values,
// check details quoting them). nlohmann::json's serializer is the validator: it is strict (no
// overlong forms, no surrogates, nothing past U+10FFFF), so kiln carries no decoder of its own.
#include <string>

namespace kiln {

bool is_valid_utf8(const std::string& text);

// `text` with every invalid byte replaced by U+FFFD.
std::string to_valid_utf8(const std::string& text);

}  // namespace kiln
