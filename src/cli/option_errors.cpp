#include "cli/option_errors.h"

#include <map>
#include <utility>

namespace kiln::cli {

namespace {

std::map<std::pair<const CLI::App*, std::string>, std::string>& aliases() {
  static std::map<std::pair<const CLI::App*, std::string>, std::string> table;
  return table;
}

std::string flag_in(const CLI::App& command, const std::string& field) {
  if (auto it = aliases().find({&command, field}); it != aliases().end()) return it->second;
  std::string dashed = field;
  for (char& c : dashed) c = c == '_' ? '-' : c;
  for (const CLI::Option* o : command.get_options()) {
    for (const auto& l : o->get_lnames())
      if (l == dashed) return "--" + l;
    if (o->get_positional() && o->get_lnames().empty() &&
        (o->get_name() == field || o->get_name() == dashed))
      return o->get_name();
  }
  return "";
}

}  // namespace

void field_flag(CLI::App* command, const std::string& field, const std::string& flag) {
  aliases()[{command, field}] = flag;
}

std::string flag_message(const CLI::App& app, const OptionError& e) {
  for (const CLI::App* sub : app.get_subcommands()) {
    std::vector<std::string> flags;
    for (const auto& field : e.fields()) {
      std::string flag = flag_in(*sub, field);
      flags.push_back(flag.empty() ? field : flag);
    }
    return OptionError::message(e.fields(), e.problem(), flags);
  }
  return e.what();
}

}  // namespace kiln::cli
