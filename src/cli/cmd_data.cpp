#include <cstdio>

#include "cli/commands.h"
#include "data/dataset.h"
#include "data/dataset_info.h"

namespace kiln::cli {

void add_data(CLI::App& app, Runner& run) {
  auto* data = app.add_subcommand("data", "Inspect the bundled datasets");
  data->require_subcommand(1);
  auto* info = data->add_subcommand("info", "Counts, image size and per-class histograms of a dataset");
  auto opts = std::make_shared<DatasetInfoOptions>();
  auto json = std::make_shared<bool>(false);
  info->add_option("--dataset", opts->dataset, "mnist or fashion-mnist")->capture_default_str();
  info->add_flag("--json", *json, "Print as JSON");
  info->callback([&run, opts, json] {
    run = [opts, json] {
      check_dataset_name(opts->dataset);
      auto summary = dataset_info(*opts);
      std::fputs((*json ? summary.dump(2) + "\n" : format_dataset_info(summary)).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace kiln::cli
