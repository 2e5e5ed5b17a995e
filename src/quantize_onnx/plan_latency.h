#pragma once
// Batch-1 latency of the INT8 plans that held --accuracy-budget, so the search keeps the fastest
// one rather than trusting its proxy (fewer float nodes) blindly: a float node can be the faster
// one (a 1-channel Conv, a float op between two INT8 nodes that costs a Q/DQ pair). The plans run
// as kiln bench runs models (bench/timed_runs.h): interleaved in blocks on the same input, so every
// ratio comes from the same stretch of time, with ONNX Runtime's default spinning threads given
// time to go idle at each switch.
#include <string>
#include <vector>

#include "bench/timed_runs.h"
#include "tensor/host_tensor.h"

namespace kiln {

struct PlanTiming {
  int warmup = 20, runs = 100, block = 10;
  int threads = 0;            // ONNX Runtime intra-op threads (0: its default)
  int settle_ms = kSettleMs;  // bench/timed_runs.h
  double rewarm_ms = kRewarmMs;
};

// The p50 latency (ms) of each serialized model on `inputs`, in the order given.
std::vector<double> plan_p50_ms(const std::vector<std::string>& models,
                                const std::vector<HostTensor>& inputs, const PlanTiming& timing);

// The first sample (index 0 of dimension 0) of each input: the batch-1 input the plans are
// timed on. Inputs without a batch dimension are kept whole.
std::vector<HostTensor> first_sample(const std::vector<HostTensor>& batch);

// Which plan to keep, given the p50s of the plans in the search's order (its choice first): the
// search's choice unless another is faster by more than `margin` (relative), so timing noise
// alone never swaps a plan for one with more float nodes.
size_t pick_fastest_plan(const std::vector<double>& p50_ms, double margin);

}  // namespace kiln
