#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/torch_handoff.h"
#include "common/error.h"
#include "common/signal_cleanup.h"
#include "export/export_options.h"
#include "export/verification_handoff.h"

namespace kiln::cli {

// `kiln export-verify DIR`: the second half of `kiln export`, which kiln-torch hands over by
// exec once the model is written (export/verification_handoff.h). Internal: not in --help.
void add_export_verify(CLI::App& app, Runner& run) {
  auto* cmd =
      app.add_subcommand("export-verify", "internal: verify a handed-over export in ONNX Runtime");
  cmd->group("");
  auto dir = std::make_shared<std::filesystem::path>();
  cmd->add_option("handoff", *dir, "The handoff folder kiln-torch wrote")->required();
  cmd->callback([&run, dir] {
    run = [dir] {
      // The folder is removed at the end: only one kiln-torch made (hand_over_verification), never
      // a folder someone typed by mistake.
      if (dir->filename().string().rfind("kiln-export-", 0) != 0 || !std::filesystem::is_regular_file(*dir / "handoff.json"))
        throw UsageError(fmt::format("{}: not a folder kiln export handed over", dir->string()));
      struct RemoveHandoff {
        std::filesystem::path dir;
        ~RemoveHandoff() {
          std::error_code ec;
          std::filesystem::remove_all(dir, ec);
        }
      } remove{*dir};
      CleanupOnSignal guard(*dir);
      ExportResult result = finish_handed_over_export(*dir, kiln_torch_executable());
      std::fputs(export_report_text(result).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace kiln::cli
