#include "optimize/verify.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "common/error.h"
#include "runtime/ort_session.h"
#include "runtime/random_inputs.h"
#include "tensor/tensor_diff.h"

namespace kiln {

namespace {

SessionOptions verify_session_options() {
  SessionOptions o;
  o.optimization = GraphOptLevel::Disable;
  o.allow_spinning = false;
  return o;
}

}  // namespace

Verifier::Verifier(const onnx::ModelProto& original, const VerifyOptions& options)
    : options_(options) {
  auto session = OrtSession::from_model(original, verify_session_options(), "original model");
  std::string first_error;
  for (size_t k = 0; k < options.dynamic_dims.size(); ++k) {
    int64_t dim = options.dynamic_dims[k];
    try {
      auto inputs = random_inputs(session.inputs(), dim, options.seed + k);
      auto outputs = session.run(inputs);
      dims_.push_back(dim);
      inputs_.push_back(std::move(inputs));
      reference_.push_back(std::move(outputs));
    } catch (const Error& e) {
      if (first_error.empty()) first_error = e.what();
    }
    bool fixed =
        std::all_of(session.inputs().begin(), session.inputs().end(), [](const ValueInfo& v) {
          return std::all_of(v.shape.begin(), v.shape.end(), [](int64_t d) { return d >= 0; });
        });
    if (fixed && !dims_.empty()) break;  // nothing dynamic: one input set says it all
  }
  if (dims_.empty()) {
    throw Error(fmt::format(
        "cannot verify: the original model fails on generated inputs ({}); use --no-verify",
        first_line(first_error)));
  }
}

OutputSets Verifier::run(const onnx::ModelProto& model, const std::string& what) const {
  auto session = OrtSession::from_model(model, verify_session_options(), what);
  OutputSets out;
  for (const auto& inputs : inputs_) out.push_back(session.run(inputs));
  return out;
}

std::vector<std::string> Verifier::input_sets() const {
  std::vector<std::string> out;
  for (int64_t d : dims_) out.push_back(fmt::format("dynamic dims = {}", d));
  return out;
}

VerifyResult Verifier::compare(const OutputSets& expected, const OutputSets& actual) {
  const double inf = std::numeric_limits<double>::infinity();
  VerifyResult r;
  if (expected.size() != actual.size()) {
    r.max_abs = r.max_rel = inf;
    return r;
  }
  for (size_t s = 0; s < expected.size(); ++s) {
    if (expected[s].size() != actual[s].size()) {
      r.max_abs = r.max_rel = inf;
      r.outputs.push_back({"*", inf, inf, "different number of outputs"});
      continue;
    }
    for (size_t o = 0; o < expected[s].size(); ++o) {
      if (r.outputs.size() <= o) r.outputs.push_back({expected[s][o].name, 0, 0, ""});
      TensorDiff d = diff_tensors(expected[s][o], actual[s][o]);
      auto& out = r.outputs[o];
      out.max_abs = std::max(out.max_abs, d.max_abs);
      out.max_rel = std::max(out.max_rel, d.max_rel);
      if (!d.comparable) out.problem = d.problem;
      r.max_abs = std::max(r.max_abs, d.max_abs);
      r.max_rel = std::max(r.max_rel, d.max_rel);
    }
  }
  return r;
}

}  // namespace kiln
