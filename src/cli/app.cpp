#include "cli/app.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "cli/option_errors.h"
#include "common/child_process.h"
#include "common/error.h"
#include "common/signal_cleanup.h"

namespace kiln::cli {

namespace {

// One line on stderr; or, for a kiln that runs this one as a child (child_process.h), into the
// file it names, so that the parent reports the cause as its own single line.
void report_error(const std::string& message) {
  if (const char* file = std::getenv(kChildErrorFileVar); file != nullptr && file[0] != '\0') {
    if (std::FILE* f = std::fopen(file, "w")) {
      std::fputs(message.c_str(), f);
      std::fclose(f);
      return;
    }
  }
  std::fprintf(stderr, "kiln: error: %s\n", message.c_str());
}

struct CoreCommand {
  const char* name;
  AddCommand add;
};

// `kiln --help`'s order is kiln-torch's (main_torch.cpp); these are the ones the front runs itself.
const std::vector<CoreCommand>& core_table() {
  static const std::vector<CoreCommand> table{
      {"data", add_data},
      {"optimize", add_optimize},
      {"compare", add_compare},
      {"diff", add_diff},
      {"quantize-onnx", add_quantize_onnx},
      {"convert-fp16", add_convert_fp16},
      {"validate", add_validate},
      {"export-verify", add_export_verify},
  };
  return table;
}

}  // namespace

const std::vector<AddCommand>& core_commands() {
  static const std::vector<AddCommand> adds = [] {
    std::vector<AddCommand> out;
    for (const auto& c : core_table()) out.push_back(c.add);
    return out;
  }();
  return adds;
}

bool is_core_command(const char* word) {
  for (const auto& c : core_table())
    if (std::strcmp(word, c.name) == 0) return true;
  return false;
}

int run_app(int argc, char** argv, const std::vector<AddCommand>& commands) {
  CLI::App app{"kiln: turns a PyTorch model into a verified, optimized, benchmarked ONNX artifact"};
  app.name("kiln");
  app.require_subcommand(1);
  app.set_version_flag("--version", KILN_VERSION);
  Runner run;
  for (AddCommand add : commands) add(app, run);
  // CLI11 would call an unknown word "a missing subcommand"; name it instead.
  auto known = [&](const char* word) {
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
      if (sub->check_name(word)) return true;
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !known(argv[1])) {
    std::fprintf(stderr, "kiln: error: unknown command '%s' (see kiln --help)\n", argv[1]);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kiln: error: %s (see kiln --help)\n", first_line(e.what()).c_str());
    return 2;
  }
  // From here on SIGINT/SIGTERM/SIGHUP remove the command's temporary outputs before ending it
  // (common/signal_cleanup.h); installed before the command starts any thread.
  install_signal_cleanup();
  try {
    return run ? run() : 2;
  } catch (const OptionError& e) {
    report_error(flag_message(app, e));
    return 2;
  } catch (const UsageError& e) {
    report_error(first_line(e.what()));
    return 2;
  } catch (const Error& e) {
    report_error(first_line(e.what()));
    return 1;
  } catch (const std::exception& e) {  // a library's own message, not worded by kiln
    report_error(error_cause(e.what()));
    return 1;
  }
}

}  // namespace kiln::cli
