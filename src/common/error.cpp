#include "common/error.h"

namespace kiln {

std::string error_cause(const std::string& message) {
  // A TorchScript interpreter error carries a traceback, and its cause is the last
  // "SomethingError: " line; other libraries' messages may start with an empty line.
  std::string cause, first;
  size_t start = 0;
  while (start < message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    std::string line = message.substr(start, end - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    auto pos = line.find("Error: ");
    if (pos != std::string::npos && line.rfind(' ', pos) == std::string::npos) cause = line.substr(pos + 7);
    if (first.empty() && line.find_first_not_of(' ') != std::string::npos) first = line;
    start = end + 1;
  }
  return cause.empty() ? first : cause;
}

}  // namespace kiln
