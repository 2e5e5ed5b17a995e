#pragma once
// The timed loop every latency figure comes from: prepared targets run in the order of an
// interleaved schedule (bench/schedule.h), each timed call one sample. At each switch to another
// model's timed runs the loop first lets the previous engine's spinning threads go idle
// (BenchTarget::spins_after_run), then runs the next model untimed until it is back in its steady
// state: its workers went to sleep, its data left the caches and the cores slowed down while the
// other model ran and the loop paused (docs/bench.md "Why interleaved").
#include <vector>

#include "bench/bench_target.h"
#include "bench/schedule.h"
#include "kiln/bench.h"

namespace kiln {

// The defaults of every timed loop (kiln bench, --tune, pack/validate, --accuracy-budget), the
// pause kSettleMs (50 ms, in the public kiln/bench.h) and kRewarmMs: ONNX Runtime's workers spin
// ~20–25 ms after a run here; after the pause a batch-1 FP32 run read 0.15–0.16 ms for its first
// few runs against 0.11 ms in steady state (bench/RESULTS.md, session 10).
constexpr double kRewarmMs = 20;

// Milliseconds per timed call, one vector per target (in the schedule's order of runs). At a
// switch: a pause of `settle_ms` after a spinning engine, then untimed runs of the next model,
// at least one and for at least `rewarm_ms`. `settle_ms` 0: neither.
std::vector<std::vector<double>> timed_runs(const std::vector<BenchTarget*>& targets,
                                            const std::vector<ScheduleStep>& schedule,
                                            int settle_ms, double rewarm_ms);

}  // namespace kiln
