#include "torchscript/freeze.h"

#include <cmath>
#include <functional>

#include <fmt/format.h>
#include <torch/script.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/table.h"
#include "data/dataset.h"
#include "models/zoo.h"
#include "models/zoo_model.h"
#include "torchscript/equivalence.h"
#include "torchscript/script.h"
#include "torchscript/torch_runtime.h"
#include "torchscript/trace.h"
#include "train/tensor_dataset.h"
#include "train/trainer.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

using Forward = std::function<torch::Tensor(const torch::Tensor&)>;

struct Candidate {
  Forward original;  // f_orig
  torch::jit::Module traced, scripted;
  std::vector<std::string> tracer_warnings;
  std::function<std::optional<std::string>(const torch::Tensor&)> branch_of;  // may be empty
  std::vector<int64_t> sample_shape;                                          // batch 1
  FreezeSource source;                                                        // what was frozen
  std::string dataset;  // for real test images ("" = none)
};

torch::Tensor with_batch(const std::vector<int64_t>& sample_shape, int64_t batch,
                         std::function<torch::Tensor(at::IntArrayRef)> make) {
  auto shape = sample_shape;
  shape[0] = batch;
  return make(shape);
}

void load_weights(torch::nn::Module& module, const fs::path& dir, FreezeSource& source) {
  fs::path weights = dir / kWeightsFile;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(fmt::format("{}: weights folder not found (run kiln train --out {})", dir.string(),
                            dir.string()));
  if (!fs::is_regular_file(weights, ec))
    throw Error(
        fmt::format("{}: missing (run kiln train --out {})", weights.string(), dir.string()));
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(weights.string());
    module.load(archive);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("{}: cannot load weights for this model ({})", weights.string(),
                            first_line(e.what_without_backtrace())));
  }
  fs::path record = dir / kTrainRecordFile;
  if (fs::is_regular_file(record, ec)) {
    source.train_record = read_record<TrainResult>(record);
  }
}

Candidate zoo_candidate(const FreezeOptions& o, std::shared_ptr<ZooModel>& holder) {
  torch::manual_seed(o.seed);
  holder = std::shared_ptr<ZooModel>(make_zoo_model(o.model));
  Candidate c;
  c.source.kind = "built-in";
  c.source.model = o.model;
  if (!o.weights.empty()) {
    load_weights(holder->module(), o.weights, c.source);
    c.source.weights = fs::absolute(o.weights).string();
  } else {
    c.source.weights = fmt::format("untrained (random initialisation, seed {})", o.seed);
  }
  holder->module().eval();
  for (auto& p : holder->module().parameters()) p.requires_grad_(false);
  c.sample_shape = o.input_shape.empty() ? holder->input_shape() : parse_shape(o.input_shape);
  c.original = [holder](const torch::Tensor& x) { return holder->forward(x); };
  c.branch_of = [holder](const torch::Tensor& x) { return holder->branch_taken(x); };
  std::string cls = "__torch__.kiln." + o.model;
  auto example = torch::rand(c.sample_shape, torch::TensorOptions().dtype(torch::kFloat32));
  try {
    holder->forward(example);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("the model rejects input shape {}: {}", format_shape(c.sample_shape),
                            first_line(e.what_without_backtrace())));
  }
  auto traced = trace_module(copy_structure(holder->module(), cls), c.original, example);
  c.traced = traced.module;
  c.tracer_warnings = traced.warnings;
  c.scripted = script_module(copy_structure(holder->module(), cls), holder->script_source());
  c.source.trace_example = {c.sample_shape, "uniform [0, 1), seeded", example.mean().item<double>(),
                            holder->branch_taken(example)};
  std::string ds = o.dataset;
  if (ds.empty() && c.source.train_record) ds = c.source.train_record->dataset;
  c.dataset = ds.empty() ? "mnist" : ds;
  return c;
}

Candidate user_candidate(const FreezeOptions& o, std::shared_ptr<torch::jit::Module>& holder) {
  if (o.input_shape.empty())
    throw UsageError("--input-shape is required with --torchscript (e.g. 1x1x28x28)");
  holder = std::make_shared<torch::jit::Module>(load_torchscript(o.torchscript));
  Candidate c;
  c.source.kind = "user TorchScript";
  c.source.path = fs::absolute(o.torchscript).string();
  c.sample_shape = parse_shape(o.input_shape);
  c.original = [holder](const torch::Tensor& x) { return run_forward(*holder, x); };
  auto example = torch::rand(c.sample_shape);
  torch::NoGradGuard no_grad;
  c.original(example);  // rejects a wrong shape with a clear error before tracing
  auto traced =
      trace_module(copy_structure(*holder, "__torch__.kiln.retraced"), c.original, example);
  c.traced = traced.module;
  c.tracer_warnings = traced.warnings;
  c.scripted = *holder;  // the user's module as given: scripted code keeps its control flow
  c.source.trace_example = {c.sample_shape, "uniform [0, 1), seeded", example.mean().item<double>(),
                            std::nullopt};
  bool mnist_like = c.sample_shape.size() == 4 && c.sample_shape[1] == 1 &&
                    c.sample_shape[2] == 28 && c.sample_shape[3] == 28;
  c.dataset = !o.dataset.empty() ? o.dataset : (mnist_like ? "mnist" : "");
  return c;
}

FreezeDeltaRow delta_row(Candidate& c, const torch::Tensor& x, std::string inputs) {
  auto ref = c.original(x);
  auto t = compare_outputs(ref, run_forward(c.traced, x));
  auto s = compare_outputs(ref, run_forward(c.scripted, x));
  FreezeDeltaRow r;
  r.inputs = std::move(inputs);
  r.batch = x.size(0);
  r.traced = t.relative_l2;
  r.scripted = s.relative_l2;
  r.traced_top1 = t.top1_agreement;
  r.scripted_top1 = s.top1_agreement;
  return r;
}

DeltaSummary summarize(const std::vector<FreezeDeltaRow>& rows, double FreezeDeltaRow::* delta) {
  double mx = 0, sum = 0;
  for (const auto& r : rows) {
    double v = r.*delta;
    mx = std::isnan(v) || std::isnan(mx) ? NAN : std::max(mx, v);
    sum += v;
  }
  return {mx, rows.empty() ? 0.0 : sum / static_cast<double>(rows.size())};
}

}  // namespace

void FreezeOptions::validate() const {
  if (model.empty() == torchscript.empty())
    throw OptionError(std::vector<std::string>{"model", "torchscript"},
                      ": give exactly one of them (a built-in model name or a TorchScript file)");
  if (out.empty())
    throw OptionError("out", "is required (the folder for the frozen models and the report)");
  if (!model.empty()) check_zoo_model_name(model);
  if (!dataset.empty() && dataset != "none") check_dataset_name(dataset);
  if (!torchscript.empty() && input_shape.empty())
    throw OptionError("input_shape", "is required with a TorchScript model (e.g. 1x1x28x28)");
}

FreezeResult freeze_model(const FreezeOptions& o) {
  o.validate();
  StagingDir stage(o.out);
  torch::NoGradGuard no_grad;

  std::shared_ptr<ZooModel> zoo;
  std::shared_ptr<torch::jit::Module> user;
  Candidate c = o.model.empty() ? user_candidate(o, user) : zoo_candidate(o, zoo);
  if (o.dataset == "none") c.dataset.clear();

  FreezeResult report;
  report.source = c.source;
  report.threshold = o.disagreement_threshold;

  // Equivalence on ordinary inputs: seeded random normal and real test images, several batches.
  std::vector<FreezeDeltaRow> rows;
  torch::manual_seed(o.seed + 1);
  for (int64_t b : {1, 8, 64}) {
    auto x = with_batch(c.sample_shape, b, [](at::IntArrayRef s) { return torch::randn(s); });
    rows.push_back(delta_row(c, x, fmt::format("random normal (seed {})", o.seed + 1)));
  }
  if (!c.dataset.empty()) {
    DatasetLocation loc = locate_dataset(c.dataset);
    if (loc.dir) {
      Dataset test = load_dataset_from(*loc.dir, c.dataset, Split::kTest);
      TensorData td = to_tensors(test, normalization_for(c.dataset), 256);
      for (int64_t b : {1, 8, 64, 256})
        rows.push_back(
            delta_row(c, td.images.slice(0, 0, b), fmt::format("{} test images", c.dataset)));
      report.real_images = c.dataset;
    } else {
      report.notes.push_back(
          fmt::format("no real images: dataset '{}' not found ({})", c.dataset, loc.how_to_get));
    }
  }
  report.equivalence = rows;
  report.summary = {summarize(rows, &FreezeDeltaRow::traced),
                    summarize(rows, &FreezeDeltaRow::scripted)};

  // Branch probes: inputs shifted to both signs and several magnitudes, so a condition on the
  // data (its mean, a norm, a threshold) is seen on both sides.
  std::vector<FreezeDeltaRow> probes;
  torch::manual_seed(o.seed + 2);
  for (double shift : {-2.0, -1.0, -0.25, 0.25, 1.0, 2.0}) {
    auto x =
        with_batch(c.sample_shape, 4, [](at::IntArrayRef s) { return torch::randn(s) * 0.5; }) +
        shift;
    std::string probe = fmt::format("0.5·randn {} {}", shift < 0 ? "−" : "+", std::abs(shift));
    auto r = delta_row(c, x, "probe " + probe);
    r.probe = probe;
    r.input_mean = x.mean().item<double>();
    if (c.branch_of) r.branch = c.branch_of(x);
    probes.push_back(r);
  }
  report.branch_probes = probes;
  report.tracer_warnings = c.tracer_warnings;

  // Verdict: tracing is unsafe when the trace disagrees with the original somewhere.
  double worst_trace = 0, worst_script = 0;
  std::string where;
  for (const auto* set : {&rows, &probes}) {
    for (const auto& r : *set) {
      double t = r.traced, s = r.scripted;
      if (!(t <= worst_trace)) {
        worst_trace = t;
        where = r.inputs;
      }
      if (!(s <= worst_script)) worst_script = s;
    }
  }
  bool trace_ok = worst_trace <= o.disagreement_threshold;
  bool script_ok = worst_script <= o.disagreement_threshold;
  FreezeVerdict& verdict = report.verdict;
  verdict.trace_safe = trace_ok;
  verdict.script_matches = script_ok;
  verdict.worst_traced_delta = worst_trace;
  verdict.worst_scripted_delta = worst_script;
  if (!trace_ok) {
    verdict.recommended = kScriptedFile;
    verdict.reason = fmt::format(
        "tracing is unsafe for this model: the traced graph differs from the original by Δ = "
        "{:.3g} on {}{}; "
        "the trace recorded only the path its example input took. Use {}.",
        worst_trace, where,
        c.tracer_warnings.empty()
            ? ""
            : fmt::format(" (the tracer warned {} time(s))", c.tracer_warnings.size()),
        kScriptedFile);
  } else if (!c.tracer_warnings.empty()) {
    verdict.recommended = kScriptedFile;
    verdict.reason = fmt::format(
        "the trace matched on every probe, but the tracer warned ({}); the model reads tensor "
        "values in Python "
        "logic, so inputs unlike the probes may take another path. Prefer {}.",
        c.tracer_warnings.front(), kScriptedFile);
  } else {
    verdict.recommended = "either";
    verdict.reason =
        fmt::format("both freezes match the original within Δ ≤ {:.0e} on every input and probe",
                    o.disagreement_threshold);
  }
  report.files = {kTracedFile, kScriptedFile};

  save_torchscript(c.traced, stage.path(kTracedFile));
  save_torchscript(c.scripted, stage.path(kScriptedFile));
  report.file_sizes = {{kTracedFile, fs::file_size(stage.path(kTracedFile))},
                       {kScriptedFile, fs::file_size(stage.path(kScriptedFile))}};
  write_file_atomic(stage.path(kFreezeReportJson), record_text(report));
  write_file_atomic(stage.path(kFreezeReportMd), freeze_report_markdown(report));
  stage.commit();
  return report;
}

std::string freeze_report_markdown(const FreezeResult& r) {
  auto g = [](double v) {
    return std::isfinite(v) ? fmt::format("{:.3g}", v) : std::string("inf/NaN");
  };
  std::string src = r.source.model.value_or(r.source.path.value_or("?"));
  std::string out = fmt::format("# Freeze report: {}\n\n", src);
  const TraceExample& ex = r.source.trace_example;
  out += fmt::format("Weights: {}. Traced on {} input (mean {:.3f}{}).\n\n",
                     r.source.weights.value_or("as saved in the module"), ex.kind, ex.mean,
                     ex.branch ? ", branch " + *ex.branch : "");
  out += "## Equivalence, Δ = ‖f_orig(x) − f_jit(x)‖₂ / ‖f_orig(x)‖₂\n\n";
  Table t;
  t.header = {"inputs", "batch", "Δ traced", "Δ scripted"};
  t.right_aligned = {false, true, true, true};
  for (const auto& row : r.equivalence)
    t.add_row({row.inputs, std::to_string(row.batch), g(row.traced), g(row.scripted)});
  out += t.markdown();
  const auto& s = r.summary;
  out += fmt::format("\nTraced: max Δ {}, mean Δ {}. Scripted: max Δ {}, mean Δ {}.\n\n",
                     g(s.traced.max), g(s.traced.mean), g(s.scripted.max), g(s.scripted.mean));
  out += "## Branch probes\n\n";
  Table p;
  p.header = {"probe", "input mean", "branch", "Δ traced", "Δ scripted"};
  p.right_aligned = {false, true, false, true, true};
  for (const auto& row : r.branch_probes) {
    p.add_row({row.probe.value_or(row.inputs), fmt::format("{:.3f}", row.input_mean.value_or(0.0)),
               row.branch.value_or("—"), g(row.traced), g(row.scripted)});
  }
  out += p.markdown();
  out += "\nTracer warnings: ";
  if (r.tracer_warnings.empty()) {
    out +=
        "none. (LibTorch's C++ tracer, unlike Python's TracerWarning, stays silent when a tensor's "
        "value is read "
        "with item(); that is why kiln decides from the probes above, not from warnings.)\n";
  } else {
    out += "\n";
    for (const auto& w : r.tracer_warnings) out += "- " + w + "\n";
  }
  out += fmt::format("\n## Verdict\n\n{}\n\nRecommended file: {}.\n", r.verdict.reason,
                     r.verdict.recommended);
  for (const auto& n : r.notes) out += "\nNote: " + n + "\n";
  return out;
}

}  // namespace kiln
