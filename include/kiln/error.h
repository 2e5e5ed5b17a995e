#pragma once
// kiln's public API (docs/library.md): the errors its entry functions throw. Every message is one
// line a user can act on; anything else escaping an entry function is a bug.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

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

// An option holds a value the command cannot use. `fields` are the Options members involved;
// the CLI rewords the message in terms of the flags that set them ("--epochs must be at least
// 1"), a library caller (the pipeline, a test) sees the fields ("epochs must be at least 1").
// A problem starting with ':' follows the names directly ("model or torchscript: give …").
class OptionError : public UsageError {
 public:
  OptionError(std::string field, std::string problem)
      : OptionError(std::vector<std::string>{std::move(field)}, std::move(problem)) {}
  OptionError(std::vector<std::string> fields, std::string problem)
      : UsageError(message(fields, problem, fields)),
        fields_(std::move(fields)),
        problem_(std::move(problem)) {}
  const std::vector<std::string>& fields() const { return fields_; }
  const std::string& problem() const { return problem_; }
  // The message with each field shown as `names[i]` (the CLI passes the flags).
  static std::string message(const std::vector<std::string>& fields, const std::string& problem,
                             const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i)
      out += (i ? " or " : "") + (i < names.size() ? names[i] : fields[i]);
    return out + (problem.rfind(':', 0) == 0 ? "" : " ") + problem;
  }

 private:
  std::vector<std::string> fields_;
  std::string problem_;
};

}  // namespace kiln
