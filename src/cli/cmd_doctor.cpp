#include <cstdio>

#include "cli/commands.h"
#include "doctor/doctor.h"

namespace kiln::cli {

void add_doctor(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "doctor", "Check the toolchain and print the facts behind every later number");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print the report as JSON");
  cmd->callback([&run, json] {
    run = [json] {
      auto report = doctor_report();
      std::fputs((*json ? report.dump(2) + "\n" : format_doctor_report(report)).c_str(), stdout);
      if (auto problems = doctor_problems(report); !problems.empty()) {
        std::fprintf(stderr, "kiln: error: toolchain not usable: %s\n", problems[0].c_str());
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace kiln::cli
