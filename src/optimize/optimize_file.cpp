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

nlohmann::json stats_json(const ModelStats& s) {
  return {{"nodes", s.nodes}, {"initializers", s.initializers}, {"bytes", s.bytes}};
}

nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

double as_double(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : std::numeric_limits<double>::infinity();
}

std::string fmt_error(const nlohmann::json& j) {
  if (j.is_null()) return "inf";
  return fmt::format("{:.2e}", j.get<double>());
}

std::string arrow(const nlohmann::json& before, const nlohmann::json& after, const char* key) {
  return fmt::format("{} → {}", before[key].get<int64_t>(), after[key].get<int64_t>());
}

}  // namespace

nlohmann::json optimize_file(const OptimizeFileOptions& options) {
  for (const auto& name : options.optimize.passes)
    find_pass(name);  // unknown names fail before any work
  onnx::ModelProto model = load_model(options.input);
  check_model(model, false, options.input.string());
  const std::string original = serialize_model(model);

  std::optional<Verifier> verifier;
  OutputSets current;
  OptimizeOptions opt = options.optimize;
  if (options.verify) {
    verifier.emplace(original, options.verify_options);
    current = verifier->reference();
    opt.after_pass = [&](PassRun& run, const onnx::ModelProto& m) {
      OutputSets outs = verifier->run(serialize_model(m), fmt::format("model after {}", run.pass));
      VerifyResult d = Verifier::compare(current, outs);
      run.verified = true;
      run.max_abs = d.max_abs;
      run.max_rel = d.max_rel;
      current = std::move(outs);
    };
  }
  OptimizeResult result = optimize_model(model, opt);

  nlohmann::json report;
  report["input"] = options.input.string();
  report["output"] = options.output.string();
  report["passes_requested"] = opt.passes.empty() ? default_pass_names() : opt.passes;
  report["fixed_point"] = opt.fixed_point;
  report["iterations"] = result.iterations;
  report["converged"] = result.converged;
  report["before"] = stats_json(result.before);
  report["after"] = stats_json(result.after);
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : result.runs) {
    nlohmann::json j{{"pass", r.pass},
                     {"iteration", r.iteration},
                     {"rewrites", r.rewrites},
                     {"before", stats_json(r.before)},
                     {"after", stats_json(r.after)}};
    if (r.verified) {
      j["max_abs"] = number(r.max_abs);
      j["max_rel"] = number(r.max_rel);
    }
    runs.push_back(j);
  }
  report["runs"] = runs;
  nlohmann::json per_pass = nlohmann::json::array();
  for (const auto& name : report["passes_requested"])
    per_pass.push_back({{"name", name}, {"rewrites", result.rewrites(name)}});
  report["passes"] = per_pass;

  nlohmann::json verification{{"enabled", options.verify}};
  if (verifier) {
    VerifyResult final_diff = Verifier::compare(verifier->reference(), current);
    verification.update(final_diff.to_json());
    verification["rtol"] = options.verify_options.rtol;
    verification["input_sets"] = verifier->input_sets();
    verification["passed"] = final_diff.passed(options.verify_options.rtol);
    report["verification"] = verification;
    if (!final_diff.passed(options.verify_options.rtol)) {
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
          "verification failed: output '{}' moved by max rel {:.3g} (> {:g}){}; nothing written",
          worst, final_diff.max_rel, options.verify_options.rtol,
          culprit.empty() ? "" : ", first by pass " + culprit));
    }
  } else {
    report["verification"] = verification;
  }
  save_model(model, options.output);
  if (options.report) write_file_atomic(*options.report, report.dump(2) + "\n");
  return report;
}

std::string format_optimize_report(const nlohmann::json& report, bool markdown) {
  Table t;
  t.header = {"pass",         "round", "rewrites",    "nodes",
              "initializers", "bytes", "max abs err", "max rel err"};
  t.right_aligned = {false, true, true, true, true, true, true, true};
  std::vector<std::string> idle;
  for (const auto& name : report["passes_requested"]) {
    bool any = false;
    for (const auto& r : report["runs"])
      any = any || (r["pass"] == name && r["rewrites"].get<int>() > 0);
    if (!any) idle.push_back(name.get<std::string>());
  }
  for (const auto& r : report["runs"]) {
    if (r["rewrites"].get<int>() == 0) continue;
    t.add_row({r["pass"].get<std::string>(), std::to_string(r["iteration"].get<int>()),
               std::to_string(r["rewrites"].get<int>()), arrow(r["before"], r["after"], "nodes"),
               arrow(r["before"], r["after"], "initializers"),
               arrow(r["before"], r["after"], "bytes"),
               r.contains("max_abs") ? fmt_error(r["max_abs"]) : "-",
               r.contains("max_rel") ? fmt_error(r["max_rel"]) : "-"});
  }
  std::string out =
      t.rows.empty() ? "no pass rewrote anything\n" : (markdown ? t.markdown() : t.text());
  if (markdown) out += "\n";
  if (!idle.empty()) out += fmt::format("no rewrites: {}\n", fmt::join(idle, ", "));
  const auto& b = report["before"];
  const auto& a = report["after"];
  out += fmt::format("model: nodes {}, initializers {}, bytes {} ({} round(s){})\n",
                     arrow(b, a, "nodes"), arrow(b, a, "initializers"), arrow(b, a, "bytes"),
                     report["iterations"].get<int>(),
                     report["converged"].get<bool>() ? ", converged" : "");
  const auto& v = report["verification"];
  if (!v["enabled"].get<bool>()) {
    out += "verification: skipped (--no-verify)\n";
  } else {
    out += fmt::format("verification: max abs {}, max rel {} (tolerance {:g}) over {}: {}\n",
                       fmt_error(v["max_abs"]), fmt_error(v["max_rel"]), v["rtol"].get<double>(),
                       fmt::join(v["input_sets"].get<std::vector<std::string>>(), ", "),
                       as_double(v["max_rel"]) <= v["rtol"].get<double>() ? "passed" : "FAILED");
  }
  return out;
}

}  // namespace kiln
