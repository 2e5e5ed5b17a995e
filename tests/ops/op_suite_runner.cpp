// kiln_op_suite: the kiln side of the op conformance suite (tests/ops/README.md). Exports every
// case of a manifest written by make_op_cases.py in this one process (export_onnx, which verifies
// the model against LibTorch in ONNX Runtime at two sizes itself) and checks the written model
// against the eager references at every check size: relative mean abs error ≤ 1e-4 per output (a
// case's own "tolerance" where the manifest gives one: quantized rows), exact for integer and bool
// outputs, outputs taken by position.
//
//   kiln_op_suite MANIFEST.json RESULTS.json [--filter SUBSTRING] [--keep DIR]
//
// Writes {"results": [{"name", "ok", "stage", "error", "seconds", "export_seconds",
// "max_rel_err"}]}; exits 0 when it ran (the verdict is op_report.py's), 2 on a usage error.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "export/export_options.h"
#include "runtime/input_spec.h"
#include "runtime/ort_session.h"
#include "tensor/host_tensor.h"

namespace fs = std::filesystem;
using kiln::HostTensor;

namespace {

struct OpCheck {
  std::map<std::string, int64_t> sizes;
  std::vector<std::string> inputs, outputs;
};

struct OpCase {
  std::string name, op, mode, pt;
  int opset = 17;
  double tolerance = 1e-4;  // relative mean abs error per output (a dynamically quantized row states its own)
  std::optional<double> step;  // a quantized output's step: within one step also passes
  std::vector<std::string> inputs;
  std::vector<bool> exact;
  std::vector<OpCheck> checks;
};

// The manifest, parsed here and nowhere else.
void from_json(const nlohmann::json& j, OpCheck& c) {
  if (j.contains("sizes")) c.sizes = j.at("sizes").get<std::map<std::string, int64_t>>();
  c.inputs = j.at("inputs").get<std::vector<std::string>>();
  c.outputs = j.at("outputs").get<std::vector<std::string>>();
}

void from_json(const nlohmann::json& j, OpCase& c) {
  c.name = j.at("name").get<std::string>();
  c.op = j.value("op", "");
  c.mode = j.value("mode", "");
  c.pt = j.at("pt").get<std::string>();
  c.opset = j.value("opset", 17);
  if (j.contains("tolerance") && !j.at("tolerance").is_null()) c.tolerance = j.at("tolerance").get<double>();
  if (j.contains("step") && !j.at("step").is_null()) c.step = j.at("step").get<double>();
  c.inputs = j.at("inputs").get<std::vector<std::string>>();
  if (j.contains("exact")) c.exact = j.at("exact").get<std::vector<bool>>();
  c.checks = j.at("checks").get<std::vector<OpCheck>>();
}

struct CaseResult {
  std::string name;
  bool ok = false;
  std::string stage;  // "export" or "check" where it failed
  std::string error;
  double seconds = 0, export_seconds = 0, max_rel_err = 0;
};

void to_json(nlohmann::json& j, const CaseResult& r) {
  j = {{"name", r.name},   {"ok", r.ok},           {"stage", r.stage}, {"error", r.error}, {"seconds", r.seconds},
       {"export_seconds", r.export_seconds}, {"max_rel_err", r.max_rel_err}};
}

double as_double(const HostTensor& t, int64_t i) {
  switch (t.dtype) {
    case kiln::DType::Float32: return t.ptr<float>()[i];
    case kiln::DType::Float64: return t.ptr<double>()[i];
    case kiln::DType::Int64: return static_cast<double>(t.ptr<int64_t>()[i]);
    case kiln::DType::Int32: return t.ptr<int32_t>()[i];
    case kiln::DType::Int16: return t.ptr<int16_t>()[i];
    case kiln::DType::Int8: return t.ptr<int8_t>()[i];
    case kiln::DType::UInt8: return t.ptr<uint8_t>()[i];
    case kiln::DType::Bool: return t.data[static_cast<size_t>(i)] != 0 ? 1.0 : 0.0;
    case kiln::DType::Float16:
    case kiln::DType::BFloat16: return t.at(i);
    default: throw kiln::Error(fmt::format("output of type {} is not compared", kiln::dtype_name(t.dtype)));
  }
}

// mean|got − ref| / max(mean|ref|, 1e-12); NaN where both are NaN counts as equal, NaN in one only
// as a failure. Exact outputs must match element for element.
double compare(const HostTensor& ref, const HostTensor& got, bool exact, const std::string& what, double& max_abs) {
  if (ref.shape != got.shape) {
    throw kiln::Error(fmt::format("{}: shape {} where the reference has {}", what, kiln::format_shape(got.shape),
                                  kiln::format_shape(ref.shape)));
  }
  bool ref_int = !kiln::is_floating(ref.dtype), got_int = !kiln::is_floating(got.dtype);
  if (ref_int != got_int || (ref.dtype == kiln::DType::Bool) != (got.dtype == kiln::DType::Bool)) {
    throw kiln::Error(fmt::format("{}: dtype {} where the reference has {}", what, kiln::dtype_name(got.dtype),
                                  kiln::dtype_name(ref.dtype)));
  }
  double diff = 0, mag = 0;
  int64_t n = ref.numel();
  for (int64_t i = 0; i < n; ++i) {
    double r = as_double(ref, i), g = as_double(got, i);
    if (std::isnan(r) || std::isnan(g)) {
      if (std::isnan(r) && std::isnan(g)) continue;
      throw kiln::Error(fmt::format("{}: NaN in one of kiln's output and the reference at element {}", what, i));
    }
    if (std::isinf(r) || std::isinf(g)) {
      if (r == g) continue;
      throw kiln::Error(fmt::format("{}: {} where the reference has {} at element {}", what, g, r, i));
    }
    if (exact && r != g) throw kiln::Error(fmt::format("{}: {} where the reference has {} at element {} (exact)", what, g, r, i));
    diff += std::abs(r - g);
    max_abs = std::max(max_abs, std::abs(r - g));
    mag += std::abs(r);
  }
  if (n == 0 || diff == 0) return 0;
  return (diff / static_cast<double>(n)) / std::max(mag / static_cast<double>(n), 1e-12);
}

CaseResult run_case(const OpCase& c, const fs::path& root, const fs::path& work) {
  CaseResult r;
  r.name = c.name;
  auto t0 = std::chrono::steady_clock::now();
  fs::path onnx = work / (c.name + ".onnx");
  try {
    kiln::ExportOptions o;
    o.model = root / c.pt;
    for (const auto& s : c.inputs) o.inputs.push_back(kiln::parse_input_spec(s));
    o.opset = c.opset;
    o.out = onnx;
    r.stage = "export";
    auto result = kiln::export_onnx(o);
    r.export_seconds = result.seconds;
    r.stage = "check";
    kiln::SessionOptions so;
    so.intra_op_threads = 1;
    auto session = kiln::OrtSession::from_file(onnx, so);
    for (const auto& check : c.checks) {
      std::vector<HostTensor> feeds;
      for (size_t i = 0; i < check.inputs.size(); ++i) {
        auto t = kiln::read_tensor_pb(root / check.inputs[i]);
        t.name = o.inputs.at(i).name;
        feeds.push_back(std::move(t));
      }
      auto got = session.run(feeds);
      if (got.size() != check.outputs.size()) {
        throw kiln::Error(fmt::format("{} outputs where the reference has {}", got.size(), check.outputs.size()));
      }
      std::string sizes;
      for (const auto& [k, v] : check.sizes) sizes += fmt::format("{}{}={}", sizes.empty() ? "" : ",", k, v);
      for (size_t k = 0; k < got.size(); ++k) {
        auto ref = kiln::read_tensor_pb(root / check.outputs[k]);
        bool exact = k < c.exact.size() && c.exact[k];
        double max_abs = 0;
        double rel = compare(ref, got[k], exact, fmt::format("output {} at {}", k, sizes.empty() ? "static sizes" : sizes), max_abs);
        r.max_rel_err = std::max(r.max_rel_err, rel);
        bool one_step = c.step && max_abs <= *c.step * (1 + 1e-5);
        if (!(rel <= c.tolerance) && !one_step) {
          throw kiln::Error(fmt::format("output {} at {}: relative mean abs error {:.3g} > {:.3g}", k, sizes, rel, c.tolerance));
        }
      }
    }
    r.ok = true;
    r.stage.clear();
  } catch (const std::exception& e) {
    std::string msg = e.what();
    r.error = msg.substr(0, msg.find('\n'));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::error_code ec;
  fs::remove(onnx, ec);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: kiln_op_suite MANIFEST.json RESULTS.json [--filter SUBSTRING] [--keep DIR]\n");
    return 2;
  }
  fs::path manifest = argv[1], results = argv[2];
  std::string filter;
  std::optional<fs::path> keep;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--filter") filter = argv[i + 1];
    else if (flag == "--keep") keep = argv[i + 1];
    else {
      std::fprintf(stderr, "kiln_op_suite: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  std::ifstream in(manifest);
  if (!in) {
    std::fprintf(stderr, "kiln_op_suite: cannot read %s\n", manifest.c_str());
    return 2;
  }
  std::vector<OpCase> cases;
  try {
    auto j = nlohmann::json::parse(in);
    for (const auto& c : j.at("cases")) {
      if (c.contains("freeze_error") && !c.at("freeze_error").is_null()) continue;
      if (!c.contains("pt") || c.at("pt").is_null()) continue;
      cases.push_back(c.get<OpCase>());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln_op_suite: %s: %s\n", manifest.c_str(), e.what());
    return 2;
  }
  fs::path root = manifest.parent_path();
  fs::path work = keep ? *keep : fs::temp_directory_path() / fmt::format("kiln_op_suite_{}", ::getpid());
  fs::create_directories(work);
  std::vector<CaseResult> out;
  int failed = 0;
  for (const auto& c : cases) {
    if (!filter.empty() && c.name.find(filter) == std::string::npos) continue;
    auto r = run_case(c, root, work);
    failed += r.ok ? 0 : 1;
    if (!r.ok) std::fprintf(stderr, "FAIL %s: %s\n", r.name.c_str(), r.error.c_str());
    out.push_back(std::move(r));
  }
  if (!keep) fs::remove_all(work);
  std::ofstream(results) << nlohmann::json{{"results", out}}.dump(1) << "\n";
  std::printf("kiln_op_suite: %zu cases, %d failed\n", out.size(), failed);
  return 0;
}
