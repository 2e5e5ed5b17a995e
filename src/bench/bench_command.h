#pragma once
// `kiln bench` as a library call (BenchOptions, bench_models: the public kiln/bench.h) and the
// options' JSON form.
#include "bench/bench_result.h"
#include "bench/timed_runs.h"
#include "common/json_record.h"
#include "kiln/bench.h"
#include "runtime/input_spec.h"
#include "runtime/ort_session.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BenchOptions, models, runs, warmup, block, settle_ms, batches,
                                   threads, ort_opt, provider, config, objective, dataset,
                                   accuracy_samples, input_shape, inputs, seed, sgemm)

}  // namespace kiln
