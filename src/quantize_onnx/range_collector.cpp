#include "quantize_onnx/range_collector.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "common/error.h"
#include "onnx/graph_edit.h"
#include "onnx/model_io.h"
#include "runtime/ort_session.h"

namespace kiln {

namespace {

// Runs every batch and hands each watched output to `fn(tensor index, values, count)`.
template <class F>
void for_each_output(OrtSession& session, const std::vector<std::string>& tensors,
                     const std::vector<std::vector<HostTensor>>& batches, F&& fn) {
  std::map<std::string, size_t> slot;
  for (size_t i = 0; i < tensors.size(); ++i) slot[tensors[i]] = i;
  for (const auto& batch : batches) {
    auto outputs = session.run(batch);
    for (size_t o = 0; o < outputs.size(); ++o) {
      auto it = slot.find(session.outputs()[o].name);
      if (it == slot.end()) continue;
      const HostTensor& t = outputs[o];
      if (t.dtype != DType::Float32)
        throw Error("calibration: tensor '" + it->first + "' is not float32");
      fn(it->second, t.ptr<float>(), t.numel());
    }
  }
}

}  // namespace

std::map<std::string, Range> collect_ranges(const onnx::ModelProto& model,
                                            const std::vector<std::string>& tensors,
                                            const std::vector<std::vector<HostTensor>>& batches,
                                            const CalibrationOptions& options) {
  if (batches.empty()) throw Error("calibration: no calibration batches");
  SessionOptions so;
  so.optimization = GraphOptLevel::Disable;  // the float graph's own tensors, as written
  so.intra_op_threads = options.threads;
  auto session =
      OrtSession::from_bytes(serialize_model(with_extra_outputs(model, tensors, 1)), so, "calibration model");

  const double inf = std::numeric_limits<double>::infinity();
  std::vector<Range> seen(tensors.size(), Range{inf, -inf});
  std::vector<bool> non_finite(tensors.size(), false);
  for_each_output(session, tensors, batches, [&](size_t i, const float* v, int64_t n) {
    for (int64_t k = 0; k < n; ++k) {
      if (!std::isfinite(v[k])) {
        non_finite[i] = true;
        continue;
      }
      seen[i].min = std::min<double>(seen[i].min, v[k]);
      seen[i].max = std::max<double>(seen[i].max, v[k]);
    }
  });
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (non_finite[i])
      throw Error("calibration: tensor '" + tensors[i] + "' holds NaN or infinity");
    if (seen[i].min > seen[i].max) seen[i] = {0, 0};  // empty tensor
  }

  std::map<std::string, Range> out;
  if (options.method == CalibrationMethod::MinMax) {
    for (size_t i = 0; i < tensors.size(); ++i) out[tensors[i]] = seen[i];
    return out;
  }
  // Second pass: a histogram per tensor over what the first saw, of |x| for percentile and of x
  // for entropy (which weighs the uint8 grid over the signed window).
  auto second_pass = [&](auto make, auto choose) {
    std::vector<decltype(make(seen[0]))> hist;
    for (const auto& r : seen) hist.push_back(make(r));
    for_each_output(session, tensors, batches,
                    [&](size_t i, const float* v, int64_t n) { hist[i].add(v, n); });
    for (size_t i = 0; i < tensors.size(); ++i) out[tensors[i]] = choose(hist[i], seen[i]);
  };
  if (options.method == CalibrationMethod::Entropy)
    second_pass([&](const Range& r) { return ValueHistogram(r.min, r.max, options.bins); },
                [](const ValueHistogram& h, const Range&) { return entropy_range(h, 256); });
  else
    second_pass(
        [&](const Range& r) {
          return AbsHistogram(std::max(std::abs(r.min), std::abs(r.max)), options.bins);
        },
        [&](const AbsHistogram& h, const Range& r) {
          return clip_range(r, percentile_threshold(h, options.percentile));
        });
  return out;
}

}  // namespace kiln
