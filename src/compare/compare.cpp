#include "compare/compare.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

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
  throw UsageError(
      "--input-shape is required when neither model is ONNX (e.g. --input-shape 1x1x28x28)");
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
void add_outputs(const CompareOptions& o, const std::vector<HostTensor>& a,
                 const std::vector<HostTensor>& b, OutputMetrics& set, OutputMetrics& total,
                 double& allclose_mismatches) {
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
void finish_report(const CompareOptions& o, const OutputMetrics& total, double allclose_mismatches,
                   CompareResult& report) {
  std::vector<std::string>& failures = report.failures;
  // Shapes, NaN/Inf on either side (matching ones with --allow-nonfinite), empty outputs, E.
  if (auto p = total.problem(o.max_mae, {o.allow_nonfinite, false}, "the reference", "the target"))
    failures.push_back(*p);
  if (allclose_mismatches > 0) {
    failures.push_back(fmt::format("{} elements outside atol {} + rtol {}·|y|", allclose_mismatches,
                                   o.atol.value_or(0), o.rtol.value_or(0)));
  }
  report.bounds = {o.max_mae, o.atol, o.rtol};
  report.total = total.stats();
  report.passed = failures.empty();
}

// Outputs of `b` in the order of `a`'s: by name when every name of `a` is among `b`'s.
std::vector<HostTensor> align_outputs(const std::vector<HostTensor>& a, std::vector<HostTensor> b) {
  if (a.size() != b.size())
    throw Error(fmt::format("the models return {} and {} outputs", a.size(), b.size()));
  std::vector<HostTensor> out;
  for (const auto& x : a) {
    auto it =
        std::find_if(b.begin(), b.end(), [&](const HostTensor& y) { return y.name == x.name; });
    if (it == b.end()) return b;  // names differ: positions
    out.push_back(*it);
  }
  return out;
}

// `--input` specs: the example sizes and the second sizes, every output compared.
CompareResult compare_on_specs(const CompareOptions& o, ModelRunner& ref, ModelRunner& target) {
  validate_input_specs(o.inputs);
  // Every spec names one of the model's inputs and every input has a spec (a misspelt name used
  // to be fed by position and PASS).
  for (ModelRunner* m : {&ref, &target}) {
    auto names = m->input_names();
    if (!names) continue;
    for (const auto& spec : o.inputs)
      if (std::find(names->begin(), names->end(), spec.name) == names->end())
        throw Error(fmt::format("--input '{}': {} has no input of that name (inputs: {})",
                                spec.name, m->path().string(), fmt::join(*names, ", ")));
    for (const auto& name : *names)
      if (std::none_of(o.inputs.begin(), o.inputs.end(),
                       [&](const InputSpec& s) { return s.name == name; }))
        throw Error(fmt::format("{}: input '{}' has no --input spec", m->path().string(), name));
  }
  CompareResult report;
  report.reference = {o.reference.string(), ref.engine()};
  report.target = {o.target.string(), target.engine()};
  report.inputs = o.inputs;
  OutputMetrics total;
  double allclose_mismatches = 0;
  for (bool second : {false, true}) {
    auto x = random_inputs_for(o.inputs, second, o.seed);
    auto a = ref.run(x);
    auto b = align_outputs(a, target.run(x));
    OutputMetrics m;
    add_outputs(o, a, b, m, total, allclose_mismatches);
    std::string shapes;
    for (const auto& t : x)
      shapes += (shapes.empty() ? "" : ", ") + t.name + " " + format_shape(t.shape);
    report.sets.push_back({fmt::format("random (seed {}): {}", o.seed, shapes),
                           x[0].shape.empty() ? 1 : x[0].shape[0], m.stats()});
  }
  finish_report(o, total, allclose_mismatches, report);
  return report;
}

}  // namespace

void CompareOptions::validate() const {
  if (reference.empty()) throw OptionError("reference", "is required (a .pt or .onnx model)");
  if (target.empty()) throw OptionError("target", "is required (a .pt or .onnx model)");
  if (!(max_mae >= 0)) throw OptionError("max_mae", "must be non-negative");
  if (atol && !(*atol >= 0)) throw OptionError("atol", "must be non-negative");
  if (rtol && !(*rtol >= 0)) throw OptionError("rtol", "must be non-negative");
  if (batch < 1) throw OptionError("batch", "must be at least 1");
  if (samples < 0) throw OptionError("samples", "must be at least 0");
  if (dataset != "none") check_dataset_name(dataset);
}

CompareResult compare_models(const CompareOptions& o) {
  o.validate();
  auto ref = open_model(o.reference);
  auto target = open_model(o.target);
  if (!o.inputs.empty()) return compare_on_specs(o, *ref, *target);
  Shape shape = resolve_shape(o, *ref, *target);

  CompareResult report;
  report.reference = {o.reference.string(), ref->engine()};
  report.target = {o.target.string(), target->engine()};
  report.input_shape = shape;
  OutputMetrics total;
  double allclose_mismatches = 0;
  int64_t ref_correct = 0, target_correct = 0, labelled = 0;

  // One row per input set; a set may span several batches (dataset samples in batches of 64).
  auto run_batch = [&](const HostTensor& x, const uint8_t* labels, OutputMetrics& m) {
    auto a = ref->run({x});
    auto b = target->run({x});
    if (a.size() != b.size())
      throw Error(fmt::format("the models return {} and {} outputs", a.size(), b.size()));
    add_outputs(o, a, b, m, total, allclose_mismatches);
    if (labels != nullptr && a[0].shape.size() == 2 && b[0].shape == a[0].shape) {
      ref_correct += count_top1_correct(a[0], labels, a[0].shape[0]);
      target_correct += count_top1_correct(b[0], labels, b[0].shape[0]);
      labelled += a[0].shape[0];
    }
  };
  auto add_row = [&](const std::string& what, int64_t batch, const OutputMetrics& m) {
    report.sets.push_back({what, batch, m.stats()});
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
    if (!loc.dir)
      throw Error(fmt::format("dataset '{}' not found: {} (or pass --dataset none)", o.dataset,
                              loc.how_to_get));
    Dataset test = load_dataset_from(*loc.dir, o.dataset, Split::kTest);
    int64_t n = std::min(o.samples, test.count);
    run_set(o.dataset + " test image", dataset_batch(test, 0, 1));
    OutputMetrics m;
    for (int64_t s = 0; s < n; s += 64) {
      int64_t c = std::min<int64_t>(64, n - s);
      run_batch(dataset_batch(test, s, c), test.labels.data() + s, m);
    }
    add_row(fmt::format("{} test images ({})", o.dataset, n), std::min<int64_t>(64, n), m);
    report.dataset = CompareDataset{o.dataset, n};
  } else if (o.dataset != "none" && o.samples > 0) {
    report.notes.push_back("no dataset samples: the input shape is not MNIST-like (1x28x28)");
  }
  if (labelled > 0) {
    report.accuracy = CompareAccuracy{
        double(ref_correct) / double(labelled), double(target_correct) / double(labelled),
        100.0 * double(target_correct - ref_correct) / double(labelled), labelled};
  }
  finish_report(o, total, allclose_mismatches, report);
  return report;
}

std::string compare_report_text(const CompareResult& r) {
  Table t;
  t.header = {"inputs", "batch", "E (mean abs)", "max abs", "rel L2", "top-1 agree"};
  t.right_aligned = {false, true, true, true, true, true};
  auto g = [](double v) { return fmt::format("{:.3g}", v); };
  auto pct = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.2f}%", 100 * *v) : std::string("—");
  };
  for (const auto& s : r.sets)
    t.add_row({s.inputs, std::to_string(s.batch), g(s.error.mean_abs_error),
               g(s.error.max_abs_error), g(s.error.relative_l2), pct(s.error.top1_agreement)});
  const ErrorStats& tot = r.total;
  std::string out = fmt::format("reference {} ({})\ntarget    {} ({})\n\n", r.reference.path,
                                r.reference.engine, r.target.path, r.target.engine);
  out += t.text();
  out += fmt::format("\nE = {:.3g} (bound {:.3g}), max abs {:.3g}, relative L2 {:.3g}",
                     tot.mean_abs_error, r.bounds.max_mae, tot.max_abs_error, tot.relative_l2);
  if (tot.top1_agreement)
    out += fmt::format(", top-1 agreement {:.2f}%", 100 * *tot.top1_agreement);
  out += "\n";
  if (r.accuracy) {
    const CompareAccuracy& a = *r.accuracy;
    out += fmt::format("accuracy on {} samples: reference {:.2f}%, target {:.2f}% ({:+.2f} pp)\n",
                       a.samples, 100 * a.reference, 100 * a.target, a.delta_pp);
  }
  for (const auto& f : r.failures) out += "FAIL: " + f + "\n";
  out += r.passed ? "PASS\n" : "";
  return out;
}

}  // namespace kiln
