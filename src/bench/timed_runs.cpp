#include "bench/timed_runs.h"

#include <chrono>
#include <thread>

namespace kiln {

std::vector<std::vector<double>> timed_runs(const std::vector<BenchTarget*>& targets,
                                            const std::vector<ScheduleStep>& schedule,
                                            int settle_ms, double rewarm_ms) {
  std::vector<std::vector<double>> samples(targets.size());
  int previous = -1;
  for (const ScheduleStep& step : schedule) {
    BenchTarget& t = *targets[static_cast<size_t>(step.model)];
    if (!step.warmup && step.model != previous && previous >= 0 && settle_ms > 0) {
      if (targets[static_cast<size_t>(previous)]->spins_after_run())
        std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms));
      auto w0 = std::chrono::steady_clock::now();
      do t.run();  // at least once, for at least rewarm_ms
      while (std::chrono::steady_clock::now() - w0 <
             std::chrono::duration<double, std::milli>(rewarm_ms));
    }
    previous = step.model;
    auto t0 = std::chrono::steady_clock::now();
    t.run();
    auto t1 = std::chrono::steady_clock::now();
    if (!step.warmup)
      samples[static_cast<size_t>(step.model)].push_back(
          std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return samples;
}

}  // namespace kiln
