#include "pipeline/stage.h"

#include <chrono>
#include <cstdio>

#include "pipeline/stage_cache.h"

namespace fs = std::filesystem;

namespace kiln {

std::vector<StageRecord> run_stages(const std::vector<Stage>& stages, const fs::path& root,
                                    bool force) {
  std::vector<StageRecord> records;
  for (const Stage& stage : stages) {
    fs::path dir = root / stage.name;
    StageRecord r;
    r.name = stage.name;
    r.key = stage_key(stage.name, stage.options, stage.inputs);
    auto t0 = std::chrono::steady_clock::now();
    r.cached = !force && stage_is_fresh(dir, r.key, stage.outputs);
    if (!r.cached) {
      invalidate_stage(dir);
      std::fprintf(stderr, "[%s] running…\n", stage.name.c_str());
      stage.run(dir);
      mark_stage_done(dir, r.key,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.summary = stage.summary ? stage.summary(dir) : "";
    std::printf("%-18s %-8s %6.1f s  %s\n", stage.name.c_str(), r.cached ? "cached" : "done",
                r.seconds, r.summary.c_str());
    std::fflush(stdout);
    records.push_back(r);
  }
  return records;
}

}  // namespace kiln
