#include "compare/compare.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "bench/accuracy.h"
#include "common/error.h"
#include "common/shape.h"
#include "common/table.h"
#include "compare/output_metrics.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"
#include "runtime/open_model.h"
#include "tensor/tensor_diff.h"

namespace kiln {

namespace {

Shape resolve_shape(const CompareOptions& o, ModelRunner& ref, ModelRunner& target) {
  if (!o.input_shape.empty()) return parse_shape(o.input_shape);
  for (ModelRunner* m : {&ref, &target}) {
    if (auto s = m->input_shape()) {
      Shape shape = *s;
      for (auto& d : shape) d = d < 0 ? 1 : d;
      return shape;
    }
  }
  throw UsageError("--input-shape is required when neither model is ONNX (e.g. --input-shape 1x1x28x28)");
}

HostTensor random_batch(Shape shape, int64_t batch, std::mt19937_64& rng) {
  shape[0] = batch;
  HostTensor t("input", DType::Float32, shape);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  float* p = t.ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = normal(rng);
  return t;
}

// Every output pair into the set's metrics and the total, and the element-wise atol/rtol count.
void add_outputs(const CompareOptions& o, const std::vector<HostTensor>& a, const std::vector<HostTensor>& b,
                 OutputMetrics& set, OutputMetrics& total, double& allclose_mismatches) {
  for (size_t i = 0; i < a.size(); ++i) {
    set.add(a[i], b[i]);
    total.add(a[i], b[i]);
    if (o.atol || o.rtol) {
      auto d = diff_tensors(a[i], b[i], o.rtol.value_or(0), o.atol.value_or(0));
      allclose_mismatches += static_cast<double>(d.comparable ? d.mismatches : d.count);
    }
  }
}

// The bounds and the verdict, shared by both input paths.
void finish_report(const CompareOptions& o, const OutputMetrics& total, double allclose_mismatches, nlohmann::json& report) {
  nlohmann::json failures = nlohmann::json::array();
  if (!total.shapes_match()) failures.push_back(total.shape_problem());
  if (total.nonfinite_candidate() > total.nonfinite_reference()) {
    failures.push_back(fmt::format("target produced {} NaN/Inf values (reference {})", total.nonfinite_candidate(),
                                   total.nonfinite_reference()));
  }
  if (!(total.mean_abs() <= o.max_mae)) {
    failures.push_back(fmt::format("E = {:.3g} exceeds --max-mae {:.3g}", total.mean_abs(), o.max_mae));
  }
  if (allclose_mismatches > 0) {
    failures.push_back(fmt::format("{} elements outside atol {} + rtol {}·|y|", allclose_mismatches, o.atol.value_or(0),
                                   o.rtol.value_or(0)));
  }
  report["bounds"] = {{"max_mae", o.max_mae}};
  if (o.atol) report["bounds"]["atol"] = *o.atol;
  if (o.rtol) report["bounds"]["rtol"] = *o.rtol;
  report["failures"] = failures;
  report["passed"] = failures.empty();
}

// Outputs of `b` in the order of `a`'s: by name when every name of `a` is among `b`'s.
std::vector<HostTensor> align_outputs(const std::vector<HostTensor>& a, std::vector<HostTensor> b) {
  if (a.size() != b.size()) throw Error(fmt::format("the models return {} and {} outputs", a.size(), b.size()));
  std::vector<HostTensor> out;
  for (const auto& x : a) {
    auto it = std::find_if(b.begin(), b.end(), [&](const HostTensor& y) { return y.name == x.name; });
    if (it == b.end()) return b;  // names differ: positions
    out.push_back(*it);
  }
  return out;
}

// `--input` specs: the example sizes and the second sizes, every output compared.
nlohmann::json compare_on_specs(const CompareOptions& o, ModelRunner& ref, ModelRunner& target) {
  validate_input_specs(o.inputs);
  nlohmann::json report;
  report["reference"] = {{"path", o.reference.string()}, {"engine", ref.engine()}};
  report["target"] = {{"path", o.target.string()}, {"engine", target.engine()}};
  report["inputs"] = o.inputs;
  OutputMetrics total;
  double allclose_mismatches = 0;
  nlohmann::json sets = nlohmann::json::array();
  for (bool second : {false, true}) {
    auto x = random_inputs_for(o.inputs, second, o.seed);
    auto a = ref.run(x);
    auto b = align_outputs(a, target.run(x));
    OutputMetrics m;
    add_outputs(o, a, b, m, total, allclose_mismatches);
    std::string shapes;
    for (const auto& t : x) shapes += (shapes.empty() ? "" : ", ") + t.name + " " + format_shape(t.shape);
    auto j = m.to_json();
    j["inputs"] = fmt::format("random (seed {}): {}", o.seed, shapes);
    j["batch"] = x[0].shape.empty() ? 1 : x[0].shape[0];
    sets.push_back(j);
  }
  report["sets"] = sets;
  report["total"] = total.to_json();
  finish_report(o, total, allclose_mismatches, report);
  return report;
}

}  // namespace

nlohmann::json compare_models(const CompareOptions& o) {
  if (o.max_mae < 0) throw UsageError("--max-mae must be non-negative");
  if (o.batch < 1) throw UsageError("--batch must be at least 1");
  if (o.dataset != "none") check_dataset_name(o.dataset);
  auto ref = open_model(o.reference);
  auto target = open_model(o.target);
  if (!o.inputs.empty()) return compare_on_specs(o, *ref, *target);
  Shape shape = resolve_shape(o, *ref, *target);

  nlohmann::json report;
  report["reference"] = {{"path", o.reference.string()}, {"engine", ref->engine()}};
  report["target"] = {{"path", o.target.string()}, {"engine", target->engine()}};
  report["input_shape"] = shape;
  OutputMetrics total;
  double allclose_mismatches = 0;
  nlohmann::json sets = nlohmann::json::array();
  int64_t ref_correct = 0, target_correct = 0, labelled = 0;

  // One row per input set; a set may span several batches (dataset samples in batches of 64).
  auto run_batch = [&](const HostTensor& x, const uint8_t* labels, OutputMetrics& m) {
    auto a = ref->run({x});
    auto b = target->run({x});
    if (a.size() != b.size()) throw Error(fmt::format("the models return {} and {} outputs", a.size(), b.size()));
    add_outputs(o, a, b, m, total, allclose_mismatches);
    if (labels != nullptr && a[0].shape.size() == 2 && b[0].shape == a[0].shape) {
      ref_correct += count_top1_correct(a[0], labels, a[0].shape[0]);
      target_correct += count_top1_correct(b[0], labels, b[0].shape[0]);
      labelled += a[0].shape[0];
    }
  };
  auto add_row = [&](const std::string& what, int64_t batch, const OutputMetrics& m) {
    auto j = m.to_json();
    j["inputs"] = what;
    j["batch"] = batch;
    sets.push_back(j);
  };
  auto run_set = [&](const std::string& what, const HostTensor& x) {
    OutputMetrics m;
    run_batch(x, nullptr, m);
    add_row(what, x.shape[0], m);
  };

  std::mt19937_64 rng(o.seed);
  run_set(fmt::format("random normal (seed {})", o.seed), random_batch(shape, 1, rng));
  run_set(fmt::format("random normal (seed {})", o.seed), random_batch(shape, o.batch, rng));
  bool image_shaped = shape.size() == 4 && shape[1] == 1 && shape[2] == 28 && shape[3] == 28;
  if (o.dataset != "none" && o.samples > 0 && image_shaped) {
    auto loc = locate_dataset(o.dataset);
    if (!loc.dir) throw Error(fmt::format("dataset '{}' not found: {} (or pass --dataset none)", o.dataset, loc.how_to_get));
    Dataset test = load_dataset_from(*loc.dir, o.dataset, Split::kTest);
    int64_t n = std::min(o.samples, test.count);
    run_set(o.dataset + " test image", dataset_batch(test, 0, 1));
    OutputMetrics m;
    for (int64_t s = 0; s < n; s += 64) {
      int64_t c = std::min<int64_t>(64, n - s);
      run_batch(dataset_batch(test, s, c), test.labels.data() + s, m);
    }
    add_row(fmt::format("{} test images ({})", o.dataset, n), std::min<int64_t>(64, n), m);
    report["dataset"] = {{"name", o.dataset}, {"samples", n}};
  } else if (o.dataset != "none" && o.samples > 0) {
    report["notes"].push_back("no dataset samples: the input shape is not MNIST-like (1x28x28)");
  }
  report["sets"] = sets;
  report["total"] = total.to_json();
  if (labelled > 0) {
    report["accuracy"] = {{"reference", double(ref_correct) / double(labelled)},
                          {"target", double(target_correct) / double(labelled)},
                          {"delta_pp", 100.0 * double(target_correct - ref_correct) / double(labelled)},
                          {"samples", labelled}};
  }
  finish_report(o, total, allclose_mismatches, report);
  return report;
}

std::string compare_report_text(const nlohmann::json& r) {
  Table t;
  t.header = {"inputs", "batch", "E (mean abs)", "max abs", "rel L2", "top-1 agree"};
  t.right_aligned = {false, true, true, true, true, true};
  auto g = [](const nlohmann::json& v) { return fmt::format("{:.3g}", v.get<double>()); };
  for (const auto& s : r["sets"]) {
    t.add_row({s["inputs"].get<std::string>(), std::to_string(s["batch"].get<int64_t>()), g(s["mean_abs_error"]),
               g(s["max_abs_error"]), g(s["relative_l2"]),
               s.contains("top1_agreement") ? fmt::format("{:.2f}%", 100 * s["top1_agreement"].get<double>()) : "—"});
  }
  const auto& tot = r["total"];
  std::string out = fmt::format("reference {} ({})\ntarget    {} ({})\n\n", r["reference"]["path"].get<std::string>(),
                                r["reference"]["engine"].get<std::string>(), r["target"]["path"].get<std::string>(),
                                r["target"]["engine"].get<std::string>());
  out += t.text();
  out += fmt::format("\nE = {:.3g} (bound {:.3g}), max abs {:.3g}, relative L2 {:.3g}", tot["mean_abs_error"].get<double>(),
                     r["bounds"]["max_mae"].get<double>(), tot["max_abs_error"].get<double>(), tot["relative_l2"].get<double>());
  if (tot.contains("top1_agreement")) out += fmt::format(", top-1 agreement {:.2f}%", 100 * tot["top1_agreement"].get<double>());
  out += "\n";
  if (r.contains("accuracy")) {
    const auto& a = r["accuracy"];
    out += fmt::format("accuracy on {} samples: reference {:.2f}%, target {:.2f}% ({:+.2f} pp)\n", a["samples"].get<int64_t>(),
                       100 * a["reference"].get<double>(), 100 * a["target"].get<double>(), a["delta_pp"].get<double>());
  }
  for (const auto& f : r["failures"]) out += "FAIL: " + f.get<std::string>() + "\n";
  out += r["passed"].get<bool>() ? "PASS\n" : "";
  return out;
}

}  // namespace kiln
