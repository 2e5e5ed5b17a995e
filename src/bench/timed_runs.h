#pragma once
// The timed loop every latency figure comes from: prepared targets run in the order of an
// interleaved schedule (bench/schedule.h), each timed call one sample. At each switch to another
// model's timed runs the loop first lets the previous engine's spinning threads go idle and gives
// the next model one untimed run (BenchTarget::spins_after_run, docs/bench.md "Why interleaved").
#include <vector>

#include "bench/bench_target.h"
#include "bench/schedule.h"

namespace kiln {

// Milliseconds per timed call, one vector per target (in the schedule's order of runs).
// `settle_ms` 0: no pause and no untimed run at a switch.
std::vector<std::vector<double>> timed_runs(const std::vector<BenchTarget*>& targets,
                                            const std::vector<ScheduleStep>& schedule,
                                            int settle_ms);

}  // namespace kiln
