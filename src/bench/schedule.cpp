#include "bench/schedule.h"

#include <algorithm>

#include "common/error.h"

namespace kiln {

std::vector<ScheduleStep> interleaved_schedule(int models, int warmup, int runs, int block) {
  if (models < 1 || warmup < 0 || runs < 1 || block < 1)
    throw Error("schedule needs at least one model and one run");
  std::vector<ScheduleStep> steps;
  steps.reserve(static_cast<size_t>(models) * static_cast<size_t>(warmup + runs));
  auto phase = [&](int count, bool warm) {
    for (int done = 0; done < count; done += block) {
      int n = std::min(block, count - done);
      for (int m = 0; m < models; ++m)
        for (int k = 0; k < n; ++k) steps.push_back({m, warm});
    }
  };
  phase(warmup, true);
  phase(runs, false);
  return steps;
}

}  // namespace kiln
