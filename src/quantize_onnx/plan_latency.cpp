#include "quantize_onnx/plan_latency.h"

#include <memory>

#include "bench/latency_stats.h"
#include "bench/ort_target.h"
#include "bench/schedule.h"
#include "bench/timed_runs.h"
#include "common/error.h"

namespace kiln {

std::vector<double> plan_p50_ms(const std::vector<std::string>& models,
                                const std::vector<HostTensor>& inputs, const PlanTiming& timing) {
  SessionOptions so;
  so.intra_op_threads = timing.threads;
  std::vector<std::unique_ptr<OrtTarget>> plans;
  std::vector<BenchTarget*> targets;
  for (size_t i = 0; i < models.size(); ++i) {
    plans.push_back(std::make_unique<OrtTarget>(models[i], so, "INT8 plan " + std::to_string(i)));
    plans.back()->session().prepare(inputs);  // by name or in order, as the model declares them
    targets.push_back(plans.back().get());
  }
  auto samples = timed_runs(targets,
                            interleaved_schedule(static_cast<int>(models.size()), timing.warmup,
                                                 timing.runs, timing.block),
                            timing.settle_ms, timing.rewarm_ms);
  std::vector<double> p50;
  for (auto& v : samples) p50.push_back(compute_latency_stats(std::move(v)).p50);
  return p50;
}

std::vector<HostTensor> first_sample(const std::vector<HostTensor>& batch) {
  std::vector<HostTensor> out;
  for (const HostTensor& t : batch) {
    if (t.shape.empty() || t.shape[0] <= 1) {
      out.push_back(t);
      continue;
    }
    Shape one = t.shape;
    one[0] = 1;
    HostTensor s(t.name, t.dtype, one);
    s.data = t.data.substr(0, s.nbytes());
    out.push_back(std::move(s));
  }
  return out;
}

size_t pick_fastest_plan(const std::vector<double>& p50_ms, double margin) {
  if (p50_ms.empty()) throw Error("pick_fastest_plan: no plans");
  size_t best = 0;
  for (size_t i = 1; i < p50_ms.size(); ++i)
    if (p50_ms[i] < p50_ms[0] * (1 - margin) && p50_ms[i] < p50_ms[best]) best = i;
  return best;
}

}  // namespace kiln
