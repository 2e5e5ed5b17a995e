#include "bench/sgemm.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <fmt/format.h>

namespace kiln {

SgemmRate measure_sgemm(int n, int reps) {
  c10::InferenceMode guard;
  at::manual_seed(0);
  at::Tensor a = at::randn({n, n}), b = at::randn({n, n}), c = at::empty({n, n});
  at::mm_out(c, a, b);  // warm-up: thread pools, page faults
  std::vector<double> gflops;
  double flop = 2.0 * n * static_cast<double>(n) * n;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    auto t1 = std::chrono::steady_clock::now();
    gflops.push_back(flop / std::chrono::duration<double>(t1 - t0).count() / 1e9);
  }
  std::sort(gflops.begin(), gflops.end());
  return {fmt::format("LibTorch at::mm {}³ fp32, best of {}, {} threads", n, reps,
                      at::get_num_threads()),
          n, reps, gflops.back(), gflops[gflops.size() / 2]};
}

}  // namespace kiln
