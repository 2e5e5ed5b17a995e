#include "artifact/validate.h"

#include <fmt/format.h>

#include "artifact/artifact_checks.h"
#include "artifact/artifact_layout.h"
#include "artifact/same_run_latency.h"
#include "bench/svg_chart.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "compare/output_metrics.h"
#include "data/batch_folder.h"
#include "runtime/open_model.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// One call's inputs at batch 1 from a golden set: the first row of every input whose dim 0 the
// model declares dynamic (the batch), as pack measured its latency.
std::vector<HostTensor> batch_one(const std::vector<HostTensor>& golden, const std::vector<ValueInfo>& declared) {
  std::vector<HostTensor> out;
  for (size_t i = 0; i < golden.size(); ++i) {
    bool batch = i < declared.size() && !declared[i].shape.empty() && declared[i].shape[0] < 0;
    out.push_back(batch ? leading_rows(golden[i], 1) : golden[i]);
  }
  return out;
}

}  // namespace

void ValidateOptions::validate() const {
  if (artifact.empty()) throw OptionError("artifact", "is required (an artifact folder)");
  if (max_latency_ratio && reference.empty())
    throw OptionError("max_latency_ratio", "needs a reference model (a same-run ratio)");
  if (max_latency_ratio && !(*max_latency_ratio > 0))
    throw OptionError("max_latency_ratio", "must be positive");
  if (max_accuracy_drop && !(*max_accuracy_drop >= 0))
    throw OptionError("max_accuracy_drop", "must be non-negative");
  if (max_mae && !(*max_mae >= 0)) throw OptionError("max_mae", "must be non-negative");
}

ValidateResult validate_artifact(const ValidateOptions& o) {
  o.validate();
  std::error_code ec;
  if (!fs::is_directory(o.artifact, ec))
    throw Error(fmt::format("{}: not an artifact folder", o.artifact.string()));

  // 1-7: the artifact by itself (artifact_checks.h)
  ArtifactState s = check_artifact_contents(o.artifact, o.max_mae);
  CheckList& c = s.checks;
  if (s.session) {
    // 8. against the reference model, when given (a user's file: may be TorchScript)
    if (!o.reference.empty()) {
      auto ref = open_model(o.reference);
      OutputMetrics m;
      for (const auto& inputs : s.golden_inputs) {
        auto a = ref->run(inputs);
        auto b = s.session->run(inputs);
        for (size_t i = 0; i < a.size() && i < b.size(); ++i) m.add(a[i], b[i]);
      }
      std::string ref_name = o.reference.filename().string();
      auto problem = m.problem(s.bound, {}, ref_name, "the artifact's model");
      c.add("reference", !problem,
            problem ? fmt::format("{} against {}", *problem, ref_name)
                    : fmt::format("E = {:.3g} ≤ {:g} against {}", m.mean_abs(), s.bound, ref_name));
    }

    // 9. accuracy budget, re-measured when the dataset is here
    if (o.max_accuracy_drop) check_artifact_accuracy(s, *o.max_accuracy_drop);

    // 10. latency regression as a same-run ratio against the reference
    if (o.max_latency_ratio && o.measure_latency && s.golden_inputs.empty()) {
      c.add("latency", false, "no golden inputs to time the model on");
    } else if (o.max_latency_ratio && o.measure_latency) {
      SameRunLatency lat = measure_same_run_latency(o.artifact / artifact::kModelFile, o.reference,
                                                    batch_one(s.golden_inputs[0], s.session->inputs()), 100);
      double a = lat.p50_ms, b = lat.reference_p50_ms, ratio = lat.ratio();
      c.add("latency", ratio <= *o.max_latency_ratio,
            fmt::format("p50 {:.3f} ms vs reference {:.3f} ms: ratio {:.2f} (budget {:g})", a, b,
                        ratio, *o.max_latency_ratio));
    }
  }
  ValidateResult result = c.result();
  // Written for a failed artifact too: CI reads the failures from it.
  if (!o.junit.empty()) write_file_atomic(o.junit, validate_junit_xml(result));
  return result;
}

std::string validate_report_text(const ValidateResult& r) {
  std::string out;
  for (const auto& c : r.checks)
    out += fmt::format("{}  {:<14} {}\n", c.passed ? "PASS" : "FAIL", c.check, c.detail);
  out += r.passed ? "artifact valid\n" : "artifact INVALID\n";
  return out;
}

std::string validate_junit_xml(const ValidateResult& r) {
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"kiln validate\" tests=\"{}\" "
      "failures=\"{}\">\n",
      r.checks.size(), r.failures.size());
  for (const auto& c : r.checks) {
    out += fmt::format("  <testcase classname=\"artifact\" name=\"{}\">", xml_escape(c.check));
    if (!c.passed) out += fmt::format("<failure message=\"{}\"/>", xml_escape(c.detail));
    out += "</testcase>\n";
  }
  return out + "</testsuite>\n";
}

}  // namespace kiln
