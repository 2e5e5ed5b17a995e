#include "compare/eval_quality.h"

#include <cmath>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "common/error.h"
#include "runtime/open_model.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

bool classifier_shaped(const HostTensor& y, int64_t samples) {
  return is_floating(y.dtype) && y.shape.size() == 2 && y.shape[0] == samples && y.shape[1] >= 2;
}

// Row-wise arg-max; -1 for a row holding NaN/Inf (never equal to a label or a finite arg-max).
std::vector<int64_t> argmax_rows(const HostTensor& y) {
  const int64_t rows = y.shape[0], cols = y.shape[1];
  std::vector<double> v = y.to_doubles();
  std::vector<int64_t> out(static_cast<size_t>(rows), -1);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best = 0;
    bool finite = true;
    for (int64_t c = 0; c < cols; ++c) {
      double x = v[static_cast<size_t>(r * cols + c)];
      finite &= std::isfinite(x);
      if (x > v[static_cast<size_t>(r * cols + best)]) best = c;
    }
    if (finite) out[static_cast<size_t>(r)] = best;
  }
  return out;
}

struct Tally {
  int64_t hits = 0;
  double abs_diff = 0;
  bool non_finite = false;
};

}  // namespace

std::string EvalQuality::describe() const {
  if (metric == "top1_accuracy") return fmt::format("top-1 accuracy on {} labelled samples of {}", samples, data);
  if (metric == "top1_agreement")
    return fmt::format("top-1 agreement with FP32 on {} unlabelled samples of {} (no labels: accuracy is not measured)", samples,
                       data);
  return fmt::format("relative error Σ|y − y_fp32| / Σ|y_fp32| on {} samples of {} (outputs are not class scores)", samples,
                     data);
}

EvalQuality measure_eval_quality(const BatchFolder& data, const fs::path& reference, const std::vector<fs::path>& models) {
  if (data.batches.empty()) throw Error(fmt::format("{}: no evaluation batches", data.source));
  auto ref = open_model(reference);
  std::vector<std::unique_ptr<ModelRunner>> runners;
  for (const auto& m : models) runners.push_back(open_model(m));

  EvalQuality q;
  q.data = data.source;
  q.samples = data.samples;
  std::vector<Tally> tally(models.size() + 1);
  double ref_abs = 0;
  for (const auto& batch : data.batches) {
    auto expected = ref->run(batch.inputs);
    if (expected.empty()) throw Error(fmt::format("{}: the reference gave no outputs", batch.file));
    const bool classes = classifier_shaped(expected[0], batch.samples);
    if (q.metric.empty()) {
      q.metric = data.labelled ? "top1_accuracy" : classes ? "top1_agreement" : "relative_error";
      if (data.labelled && !classes)
        throw Error(fmt::format("{}: labels need class scores, and the model's first output is {} {} (N×C floats expected)",
                                batch.file, dtype_name(expected[0].dtype), format_shape(expected[0].shape)));
    } else if (q.metric != "relative_error" && !classes) {
      throw Error(fmt::format("{}: the first output is {} here, class scores elsewhere", batch.file, format_shape(expected[0].shape)));
    }
    std::vector<int64_t> ref_top1, labels;
    if (q.metric != "relative_error") ref_top1 = argmax_rows(expected[0]);
    if (batch.labels)
      for (int64_t i = 0; i < batch.labels->numel(); ++i) labels.push_back(batch.labels->ptr<int64_t>()[i]);
    std::vector<std::vector<double>> ref_values;
    if (q.metric == "relative_error")
      for (const auto& y : expected) {
        ref_values.push_back(y.to_doubles());
        for (double v : ref_values.back()) ref_abs += std::abs(v);
      }
    for (size_t m = 0; m <= runners.size(); ++m) {
      std::vector<HostTensor> got = m == 0 ? expected : runners[m - 1]->run(batch.inputs);
      const std::string& name = m == 0 ? reference.string() : models[m - 1].string();
      if (got.size() != expected.size())
        throw Error(fmt::format("{}: {} gives {} outputs where the reference gives {}", batch.file, name, got.size(), expected.size()));
      Tally& t = tally[m];
      if (q.metric == "relative_error") {
        for (size_t o = 0; o < got.size(); ++o) {
          if (got[o].shape != expected[o].shape)
            throw Error(fmt::format("{}: output {} of {} is {} where the reference's is {}", batch.file, o, name,
                                    format_shape(got[o].shape), format_shape(expected[o].shape)));
          auto v = got[o].to_doubles();
          for (size_t i = 0; i < v.size(); ++i) {
            double r = ref_values[o][i];
            if (std::isfinite(r) && !std::isfinite(v[i])) t.non_finite = true;
            else if (std::isfinite(r)) t.abs_diff += std::abs(v[i] - r);
          }
        }
        continue;
      }
      if (!classifier_shaped(got[0], batch.samples))
        throw Error(fmt::format("{}: {}'s first output is {} where the reference's is {}", batch.file, name,
                                format_shape(got[0].shape), format_shape(expected[0].shape)));
      auto top1 = argmax_rows(got[0]);
      for (size_t r = 0; r < top1.size(); ++r) {
        int64_t want = q.metric == "top1_accuracy" ? labels[r] : ref_top1[r];
        t.hits += top1[r] >= 0 && top1[r] == want;
      }
    }
  }
  for (size_t m = 0; m <= models.size(); ++m) {
    ModelQuality mq;
    mq.model = (m == 0 ? reference : models[m - 1]).filename().string();
    const Tally& t = tally[m];
    if (q.metric == "relative_error") {
      mq.value = t.non_finite ? std::numeric_limits<double>::infinity() : ref_abs > 0 ? t.abs_diff / ref_abs : t.abs_diff;
    } else {
      mq.value = static_cast<double>(t.hits) / static_cast<double>(q.samples);
      mq.drop_pp = 100.0 * ((q.metric == "top1_accuracy" ? q.models.empty() ? mq.value : q.models[0].value : 1.0) - mq.value);
    }
    q.models.push_back(mq);
  }
  return q;
}

}  // namespace kiln
