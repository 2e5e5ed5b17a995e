#include "artifact/validate.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <fmt/format.h>

#include "artifact/artifact_layout.h"
#include "artifact/io_signature.h"
#include "artifact/metadata.h"
#include "artifact/same_run_latency.h"
#include "artifact/sha256.h"
#include "bench/accuracy.h"
#include "bench/svg_chart.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "compare/output_metrics.h"
#include "data/dataset.h"
#include "runtime/open_model.h"
#include "runtime/ort_session.h"
#include "tensor/host_tensor.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

using namespace artifact;

class Checks {
 public:
  void add(const std::string& check, bool passed, const std::string& detail) {
    checks_.push_back({{"check", check}, {"passed", passed}, {"detail", detail}});
    if (!passed) failures_.push_back(fmt::format("{}: {}", check, detail));
  }
  nlohmann::json result() const { return {{"checks", checks_}, {"failures", failures_}, {"passed", failures_.empty()}}; }

 private:
  nlohmann::json checks_ = nlohmann::json::array(), failures_ = nlohmann::json::array();
};

// ONNX external data must stay inside the artifact: relative, no "..", present.
std::string external_data_problem(const onnx::GraphProto& g, const fs::path& root) {
  for (const auto& t : g.initializer()) {
    if (t.data_location() != onnx::TensorProto_DataLocation_EXTERNAL) continue;
    for (const auto& kv : t.external_data()) {
      if (kv.key() != "location") continue;
      fs::path loc(kv.value());
      if (loc.is_absolute()) return fmt::format("initializer {} points at absolute path {}", t.name(), kv.value());
      for (const auto& part : loc)
        if (part == "..") return fmt::format("initializer {} points outside the artifact ({})", t.name(), kv.value());
      if (!fs::is_regular_file(root / loc)) return fmt::format("initializer {}: external file {} missing", t.name(), kv.value());
    }
  }
  for (const auto& n : g.node())
    for (const auto& a : n.attribute())
      if (a.has_g()) {
        auto p = external_data_problem(a.g(), root);
        if (!p.empty()) return p;
      }
  return "";
}

}  // namespace

nlohmann::json validate_artifact(const ValidateOptions& o) {
  Checks c;
  const fs::path& root = o.artifact;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw Error(fmt::format("{}: not an artifact folder", root.string()));
  if (o.max_latency_ratio && o.reference.empty()) throw UsageError("--max-latency-ratio needs --reference (a same-run ratio)");

  // 1. metadata: present, YAML, schema
  nlohmann::json meta;
  try {
    meta = parse_metadata_yaml(read_file(root / kMetadataFile), (root / kMetadataFile).string());
    auto problems = metadata_schema_problems(meta);
    c.add("metadata", problems.empty(), problems.empty() ? "schema valid" : fmt::format("{} ({} problems)", problems[0], problems.size()));
    if (!problems.empty()) meta = nlohmann::json();
  } catch (const Error& e) {
    c.add("metadata", false, first_line(e.what()));
  }
  if (meta.is_null()) {
    c.add("hashes", false, "skipped: metadata unreadable");
    return c.result();
  }

  // 2. hashes of every listed file; nothing unlisted besides metadata.yaml
  std::string hash_problem;
  int hashed = 0;
  for (const auto& [name, hash] : meta["files"].items()) {
    fs::path p = root / name;
    if (fs::path(name).is_absolute() || name.find("..") != std::string::npos) {
      hash_problem = fmt::format("file entry {} escapes the artifact", name);
      break;
    }
    if (!fs::is_regular_file(p, ec)) {
      hash_problem = fmt::format("{} is missing", name);
      break;
    }
    if (sha256_file(p) != hash.get<std::string>()) {
      hash_problem = fmt::format("{} does not match its SHA-256", name);
      break;
    }
    ++hashed;
  }
  if (hash_problem.empty()) {
    for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
      if (!e.is_regular_file()) continue;
      std::string rel = fs::relative(e.path(), root).generic_string();
      if (rel != kMetadataFile && !meta["files"].contains(rel)) {
        hash_problem = fmt::format("{} is not listed in metadata.yaml", rel);
        break;
      }
    }
  }
  c.add("hashes", hash_problem.empty(), hash_problem.empty() ? fmt::format("{} files match", hashed) : hash_problem);

  // 3-6. the model: parses, stays inside the folder, passes the checker, matches the metadata
  onnx::ModelProto model;
  fs::path model_path = root / kModelFile;
  bool model_ok = false;
  try {
    model_ok = model.ParseFromString(read_file(model_path));
    if (!model_ok) c.add("onnx_checker", false, fmt::format("{} is not an ONNX model", kModelFile));
  } catch (const Error& e) {
    c.add("onnx_checker", false, first_line(e.what()));
  }
  if (!model_ok) return c.result();
  std::string ext = external_data_problem(model.graph(), root);
  c.add("external_data", ext.empty(), ext.empty() ? "no path escapes the artifact" : ext);
  if (!ext.empty()) return c.result();
  try {
    onnx::checker::check_model(model, /*full_check=*/true);
    c.add("onnx_checker", true, "full check passed");
  } catch (const std::exception& e) {
    c.add("onnx_checker", false, first_line(e.what()));
  }
  int64_t opset = 0;
  for (const auto& os : model.opset_import())
    if (os.domain().empty()) opset = os.version();
  c.add("opset", meta["opset"] == opset, fmt::format("metadata {} / model {}", meta["opset"].dump(), opset));
  bool sig_ok = meta["inputs"] == io_signature(model.graph().input()) && meta["outputs"] == io_signature(model.graph().output());
  c.add("signature", sig_ok, sig_ok ? "inputs and outputs match" : fmt::format("metadata {} / model {}", meta["inputs"].dump(), io_signature(model.graph().input()).dump()));

  // 7. golden outputs within the recorded bound
  double bound = o.max_mae.value_or(meta["equivalence"]["bound"].get<double>());
  std::unique_ptr<OrtSession> session;
  try {
    session = std::make_unique<OrtSession>(OrtSession::from_file(model_path));
  } catch (const Error& e) {
    c.add("golden", false, first_line(e.what()));
    return c.result();
  }
  OutputMetrics golden;
  std::vector<std::vector<HostTensor>> golden_inputs;
  int sets = 0;
  std::string golden_problem;
  try {
    for (int k = 0; fs::is_directory(root / fmt::format("{}{}", kGoldenPrefix, k)); ++k) {
      fs::path dir = root / fmt::format("{}{}", kGoldenPrefix, k);
      std::vector<HostTensor> inputs, expected;
      for (int i = 0; fs::exists(dir / fmt::format("input_{}.pb", i)); ++i) inputs.push_back(read_tensor_pb(dir / fmt::format("input_{}.pb", i)));
      for (int i = 0; fs::exists(dir / fmt::format("output_{}.pb", i)); ++i) expected.push_back(read_tensor_pb(dir / fmt::format("output_{}.pb", i)));
      auto got = session->run(inputs);
      if (got.size() != expected.size()) throw Error(fmt::format("{}: {} outputs, expected {}", dir.filename().string(), got.size(), expected.size()));
      for (size_t i = 0; i < got.size(); ++i) golden.add(expected[i], got[i]);
      golden_inputs.push_back(inputs);
      ++sets;
    }
  } catch (const Error& e) {
    golden_problem = first_line(e.what());
  }
  if (golden_problem.empty() && sets == 0) golden_problem = "no test_data_set_N folders";
  if (golden_problem.empty() && !golden.shapes_match()) golden_problem = golden.shape_problem();
  if (golden_problem.empty() && golden.nonfinite_candidate() > golden.nonfinite_reference()) golden_problem = "NaN/Inf in the model's outputs";
  if (golden_problem.empty() && !(golden.mean_abs() <= bound)) {
    golden_problem = fmt::format("E = {:.3g} exceeds the bound {:g}", golden.mean_abs(), bound);
  }
  c.add("golden", golden_problem.empty(),
        golden_problem.empty() ? fmt::format("{} sets, E = {:.3g} ≤ {:g} (max abs {:.3g})", sets, golden.mean_abs(), bound, golden.max_abs())
                               : golden_problem);

  // 8. against the reference model, when given
  if (!o.reference.empty()) {
    auto ref = open_model(o.reference);
    OutputMetrics m;
    for (const auto& inputs : golden_inputs) {
      auto a = ref->run(inputs);
      auto b = session->run(inputs);
      for (size_t i = 0; i < a.size() && i < b.size(); ++i) m.add(a[i], b[i]);
    }
    bool ok = m.shapes_match() && m.mean_abs() <= bound;
    c.add("reference", ok, ok ? fmt::format("E = {:.3g} ≤ {:g} against {}", m.mean_abs(), bound, o.reference.filename().string())
                              : (m.shapes_match() ? fmt::format("E = {:.3g} exceeds {:g} against {}", m.mean_abs(), bound, o.reference.filename().string())
                                                  : m.shape_problem()));
  }

  // 9. accuracy budget, re-measured when the dataset is here
  if (o.max_accuracy_drop) {
    if (!meta.contains("dataset") || meta["accuracy_drop"].is_null()) {
      c.add("accuracy", false, "metadata records no accuracy");
    } else {
      std::string ds = meta["dataset"]["name"].get<std::string>();
      double drop = meta["accuracy_drop"].get<double>();
      std::string how = "recorded";
      auto loc = locate_dataset(ds);
      if (loc.dir) {
        Dataset test = load_dataset_from(*loc.dir, ds, Split::kTest);
        auto acc = top1_accuracy(test, 0, 256, [&](const HostTensor& x) {
          HostTensor in = x;
          in.name = session->inputs()[0].name;
          return session->run({in})[0];
        });
        drop = 100.0 * (meta["dataset"]["reference_accuracy"].get<double>() - acc.value());
        how = fmt::format("re-measured on {} {} samples", acc.samples, ds);
      }
      c.add("accuracy", drop <= *o.max_accuracy_drop, fmt::format("drop {:.3f} pp ({}) vs budget {:g} pp", drop, how, *o.max_accuracy_drop));
    }
  }

  // 10. latency regression as a same-run ratio against the reference
  if (o.max_latency_ratio && o.measure_latency) {
    Shape shape = golden_inputs.empty() ? Shape{1, 1, 28, 28} : golden_inputs[0][0].shape;
    SameRunLatency lat = measure_same_run_latency(model_path, o.reference, shape, 100);
    double a = lat.p50_ms, b = lat.reference_p50_ms, ratio = lat.ratio();
    c.add("latency", ratio <= *o.max_latency_ratio, fmt::format("p50 {:.3f} ms vs reference {:.3f} ms: ratio {:.2f} (budget {:g})", a, b, ratio, *o.max_latency_ratio));
  }
  auto result = c.result();
  if (!o.junit.empty()) write_file_atomic(o.junit, validate_junit_xml(result));
  return result;
}

std::string validate_report_text(const nlohmann::json& r) {
  std::string out;
  for (const auto& c : r["checks"]) {
    out += fmt::format("{}  {:<14} {}\n", c["passed"].get<bool>() ? "PASS" : "FAIL", c["check"].get<std::string>(), c["detail"].get<std::string>());
  }
  out += r["passed"].get<bool>() ? "artifact valid\n" : "artifact INVALID\n";
  return out;
}

std::string validate_junit_xml(const nlohmann::json& r) {
  std::string out = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"kiln validate\" tests=\"{}\" failures=\"{}\">\n",
                                r["checks"].size(), r["failures"].size());
  for (const auto& c : r["checks"]) {
    out += fmt::format("  <testcase classname=\"artifact\" name=\"{}\">", xml_escape(c["check"].get<std::string>()));
    if (!c["passed"].get<bool>()) out += fmt::format("<failure message=\"{}\"/>", xml_escape(c["detail"].get<std::string>()));
    out += "</testcase>\n";
  }
  return out + "</testsuite>\n";
}

}  // namespace kiln
