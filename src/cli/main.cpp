// kiln: PyTorch model → verified, optimized, benchmarked ONNX artifact. Entry point.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_errors.h"
#include "common/allocator_tuning.h"
#include "common/child_process.h"
#include "common/error.h"
#include "common/process_env.h"

namespace {

// One line on stderr; or, for a kiln that runs this one as a child (child_process.h), into the
// file it names, so that the parent reports the cause as its own single line.
void report_error(const std::string& message) {
  if (const char* file = std::getenv(kiln::kChildErrorFileVar);
      file != nullptr && file[0] != '\0') {
    if (std::FILE* f = std::fopen(file, "w")) {
      std::fputs(message.c_str(), f);
      std::fclose(f);
      return;
    }
  }
  std::fprintf(stderr, "kiln: error: %s\n", message.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  kiln::ensure_thread_environment(argc, argv);
  kiln::tune_allocator_for_tensors();
  CLI::App app{"kiln: turns a PyTorch model into a verified, optimized, benchmarked ONNX artifact"};
  app.name("kiln");
  app.require_subcommand(1);
  app.set_version_flag("--version", KILN_VERSION);
  kiln::cli::Runner run;
  kiln::cli::add_doctor(app, run);
  kiln::cli::add_data(app, run);
  kiln::cli::add_train(app, run);
  kiln::cli::add_freeze(app, run);
  kiln::cli::add_optimize(app, run);
  kiln::cli::add_export(app, run);
  kiln::cli::add_compare(app, run);
  kiln::cli::add_diff(app, run);
  kiln::cli::add_bench(app, run);
  kiln::cli::add_quantize(app, run);
  kiln::cli::add_quantize_onnx(app, run);
  kiln::cli::add_convert_fp16(app, run);
  kiln::cli::add_precision(app, run);
  kiln::cli::add_pack(app, run);
  kiln::cli::add_validate(app, run);
  kiln::cli::add_pipeline(app, run);
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
    std::fprintf(stderr, "kiln: error: %s (see kiln --help)\n", kiln::first_line(e.what()).c_str());
    return 2;
  }
  try {
    return run ? run() : 2;
  } catch (const kiln::OptionError& e) {
    report_error(kiln::cli::flag_message(app, e));
    return 2;
  } catch (const kiln::UsageError& e) {
    report_error(kiln::first_line(e.what()));
    return 2;
  } catch (const std::exception& e) {
    report_error(kiln::first_line(e.what()));
    return 1;
  }
}
