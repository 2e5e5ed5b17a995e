#pragma once
// Errors a user can cause. The CLI prints them as one line and exits non-zero; nothing else
// (crashes, stack traces) should reach a user.
#include <stdexcept>
#include <string>

namespace kiln {

// A problem with the user's input or environment (bad path, malformed file, wrong shape). Exit 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The command line itself is wrong (unknown option value, missing argument). Exit 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// First line of a possibly multi-line library message (LibTorch appends stack traces).
std::string first_line(const std::string& message);

}  // namespace kiln
