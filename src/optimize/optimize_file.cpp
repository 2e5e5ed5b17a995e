#include "optimize/optimize_file.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/table.h"
#include "onnx/model_io.h"
#include "optimize/registry.h"

namespace kiln {

namespace {

ModelStatsRecord stats_record(const ModelStats& s) {
  return {s.nodes, s.initializers, s.bytes};
}

// JSON has no infinity; an output that moved without bound is recorded as null.
std::optional<double> finite(double v) {
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::string fmt_error(const std::optional<double>& v) {
  return v ? fmt::format("{:.2e}", *v) : std::string("inf");
}

std::string arrow(int64_t before, int64_t after) {
  return fmt::format("{} → {}", before, after);
}

}  // namespace

void to_json(nlohmann::json& j, const OptimizeFileOptions& o) {
  j = {{"input", o.input},
       {"output", o.output},
       {"passes", o.optimize.passes},
       {"fixed_point", o.optimize.fixed_point},
       {"max_iterations", o.optimize.max_iterations},
       {"check_each_pass", o.optimize.check_each_pass},
       {"verify", o.verify},
       {"rtol", o.verify_options.rtol},
       {"seed", o.verify_options.seed},
       {"dynamic_dims", o.verify_options.dynamic_dims}};
}

void OptimizeFileOptions::validate() const {
  if (input.empty()) throw OptionError("input", "is required (the ONNX model to optimize)");
  if (output.empty()) throw OptionError("output", "is required (where to write the optimized model)");
  if (!(verify_options.rtol >= 0))
    throw OptionError("verify_options.rtol", "must be a non-negative number");
  if (verify_options.dynamic_dims.empty())
    throw OptionError("verify_options.dynamic_dims", "needs at least one size for symbolic dimensions");
  for (int64_t d : verify_options.dynamic_dims)
    if (d < 1) throw OptionError("verify_options.dynamic_dims", "sizes must be at least 1");
  if (optimize.max_iterations < 1) throw OptionError("optimize.max_iterations", "must be at least 1");
  if (report &&
      std::filesystem::weakly_canonical(*report) == std::filesystem::weakly_canonical(output))
    throw OptionError("report", "is the output model's path: give another file");
  for (const auto& name : optimize.passes) {
    if (name.empty()) throw OptionError("optimize.passes", "has an empty pass name");
    find_pass(name);  // unknown names fail before any work
  }
}

OptimizeFileResult optimize_file(const OptimizeFileOptions& options) {
  options.validate();
  onnx::ModelProto model = load_model(options.input);
  check_model(model, false, options.input.string());
  // The model and its report land together or not at all; an unwritable place fails now.
  FileSet outputs;
  outputs.reserve(options.output);
  if (options.report) outputs.reserve(*options.report);

  std::optional<Verifier> verifier;
  OutputSets current;
  OptimizeOptions opt = options.optimize;
  if (options.verify) {
    verifier.emplace(model, options.verify_options);  // before any pass changes it
    current = verifier->reference();
    opt.after_pass = [&](PassRun& run, const onnx::ModelProto& m) {
      OutputSets outs = verifier->run(m, fmt::format("model after {}", run.pass));
      VerifyResult d = Verifier::compare(current, outs);
      run.verified = true;
      run.max_abs = d.max_abs;
      run.max_rel = d.max_rel;
      current = std::move(outs);
    };
  }
  OptimizeResult result = optimize_model(model, opt);

  OptimizeFileResult report;
  report.input = options.input.string();
  report.output = options.output.string();
  report.passes_requested = opt.passes.empty() ? default_pass_names() : opt.passes;
  report.fixed_point = opt.fixed_point;
  report.iterations = result.iterations;
  report.converged = result.converged;
  report.before = stats_record(result.before);
  report.after = stats_record(result.after);
  for (const auto& r : result.runs) {
    PassRunRecord j{
        r.pass,     r.iteration,  r.rewrites,  stats_record(r.before), stats_record(r.after),
        r.verified, std::nullopt, std::nullopt, r.touched};
    if (r.verified) {
      j.max_abs = finite(r.max_abs);
      j.max_rel = finite(r.max_rel);
    }
    report.runs.push_back(j);
  }
  for (const auto& name : report.passes_requested)
    report.passes.push_back({name, result.rewrites(name)});

  VerificationRecord& verification = report.verification;
  verification.enabled = options.verify;
  if (verifier) {
    VerifyResult final_diff = Verifier::compare(verifier->reference(), current);
    verification.max_abs = finite(final_diff.max_abs);
    verification.max_rel = finite(final_diff.max_rel);
    for (const auto& o : final_diff.outputs)
      verification.outputs.push_back({o.name, finite(o.max_abs), finite(o.max_rel),
                                      o.problem.empty() ? std::nullopt : std::optional(o.problem)});
    verification.rtol = options.verify_options.rtol;
    verification.input_sets = verifier->input_sets();
    verification.passed = final_diff.passed(options.verify_options.rtol);
    if (!verification.passed) {
      std::string worst, culprit;
      double worst_rel = -1;
      for (const auto& o : final_diff.outputs) {
        if (o.max_rel > worst_rel) worst_rel = o.max_rel, worst = o.name;
      }
      for (const auto& r : result.runs) {
        if (r.verified && r.max_rel > options.verify_options.rtol && culprit.empty())
          culprit = r.pass;
      }
      throw Error(fmt::format(
          "verification failed: output '{}' moved by max rel {:.3g} (> {:g}){}; nothing written "
          "(--rtol raises the bound: folding mobilenet_v2's 52 BatchNormalizations moves its "
          "output by 1.2e-5 through FP32 rounding alone)",
          worst, final_diff.max_rel, options.verify_options.rtol,
          culprit.empty() ? "" : ", first by pass " + culprit));
    }
  }
  save_model(model, options.output, outputs);  // with external data beyond 2 GiB
  if (options.report) outputs.write(*options.report, record_text(report));
  outputs.commit();
  return report;
}

std::string format_optimize_report(const OptimizeFileResult& report, bool markdown) {
  Table t;
  t.header = {"pass",         "round", "rewrites",    "nodes",
              "initializers", "bytes", "max abs err", "max rel err"};
  t.right_aligned = {false, true, true, true, true, true, true, true};
  std::vector<std::string> idle;
  for (const auto& p : report.passes)
    if (p.rewrites == 0) idle.push_back(p.name);
  for (const auto& r : report.runs) {
    if (r.rewrites == 0) continue;
    t.add_row({r.pass, std::to_string(r.iteration), std::to_string(r.rewrites),
               arrow(r.before.nodes, r.after.nodes),
               arrow(r.before.initializers, r.after.initializers),
               arrow(r.before.bytes, r.after.bytes), r.verified ? fmt_error(r.max_abs) : "-",
               r.verified ? fmt_error(r.max_rel) : "-"});
  }
  std::string out =
      t.rows.empty() ? "no pass rewrote anything\n" : (markdown ? t.markdown() : t.text());
  if (markdown) out += "\n";
  if (!idle.empty()) out += fmt::format("no rewrites: {}\n", fmt::join(idle, ", "));
  const auto& b = report.before;
  const auto& a = report.after;
  out += fmt::format("model: nodes {}, initializers {}, bytes {} ({} round(s){})\n",
                     arrow(b.nodes, a.nodes), arrow(b.initializers, a.initializers),
                     arrow(b.bytes, a.bytes), report.iterations,
                     report.converged ? ", converged" : "");
  const auto& v = report.verification;
  if (!v.enabled) {
    out += "verification: skipped (--no-verify)\n";
  } else {
    out += fmt::format("verification: max abs {}, max rel {} (tolerance {:g}) over {}: {}\n",
                       fmt_error(v.max_abs), fmt_error(v.max_rel), v.rtol,
                       fmt::join(v.input_sets, ", "), v.passed ? "passed" : "FAILED");
  }
  return out;
}

}  // namespace kiln
