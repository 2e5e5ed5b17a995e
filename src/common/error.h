#pragma once
// Errors a user can cause (kiln::Error, UsageError, OptionError: the public kiln/error.h). The CLI
// prints them as one line and exits non-zero; nothing else (crashes, stack traces) should reach a
// user.
#include <string>

#include "kiln/error.h"

namespace kiln {

// First line with text of a possibly multi-line library message (LibTorch appends stack traces,
// and some of its messages start with an empty line); trailing blanks removed.
std::string first_line(const std::string& message);
// The cause in a library's multi-line message: a TorchScript traceback's last "…Error: " line,
// else the first line that is not empty (what the CLI prints for an error kiln did not word).
std::string error_cause(const std::string& message);

}  // namespace kiln
