#pragma once
// The interleaved schedule: every model gets its warm-up, then the timed runs alternate between
// models (A, B, A, B …) so slow drifts of the machine (another job starting, frequency changes)
// hit every model alike and each ratio in the report comes from the same stretch of time.
#include <vector>

namespace kiln {

struct ScheduleStep {
  int model = 0;
  bool warmup = false;
  bool operator==(const ScheduleStep&) const = default;
};

// Warm-ups (interleaved too), then `runs` timed steps per model. `block` > 1 runs that many
// consecutive steps of one model before switching (A A B B …): the tuner uses it so one session's
// spinning thread pool is not charged to the next one.
std::vector<ScheduleStep> interleaved_schedule(int models, int warmup, int runs, int block = 1);

}  // namespace kiln
