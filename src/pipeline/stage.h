#pragma once
// A pipeline stage is a value: its name (= its folder under the run folder), its typed options,
// the files it reads and writes, and the code that runs it. The cache key is derived from the
// options' JSON form and the inputs' SHA-256, never written by hand, so a stage cannot run with
// options its key does not cover. Adding a stage is adding one entry to pipeline_stages().
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/json_record.h"

namespace kiln {

struct Stage {
  std::string name;                           // "06_optimize": the folder under the run folder
  nlohmann::json options;                     // the typed options it runs with, as JSON (the key)
  std::vector<std::filesystem::path> inputs;  // files whose content enters the key
  std::vector<std::string> outputs;           // files the stage leaves in its folder
  std::function<void(const std::filesystem::path& dir)> run;
  // One status line, from the stage's typed record.
  std::function<std::string(const std::filesystem::path& dir)> summary;
};

// Builds a stage whose run receives exactly the options its key is derived from.
template <typename Options>
Stage make_stage(std::string name, const Options& options,
                 std::vector<std::filesystem::path> inputs, std::vector<std::string> outputs,
                 std::function<void(const Options&, const std::filesystem::path&)> run,
                 std::function<std::string(const std::filesystem::path&)> summary) {
  Stage s;
  s.name = std::move(name);
  s.options = options;
  s.inputs = std::move(inputs);
  s.outputs = std::move(outputs);
  s.run = [options, run = std::move(run)](const std::filesystem::path& dir) { run(options, dir); };
  s.summary = std::move(summary);
  return s;
}

// How one stage went in this run.
struct StageRecord {
  std::string name;
  bool cached = false;
  double seconds = 0;
  std::string summary;
  std::string key;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StageRecord, name, cached, seconds, summary, key)

// Runs the stages in order: a stage whose key and outputs are unchanged is skipped (unless
// `force`); one line per stage on stdout.
std::vector<StageRecord> run_stages(const std::vector<Stage>& stages,
                                    const std::filesystem::path& root, bool force);

}  // namespace kiln
