#include "artifact/artifact_checks.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <fmt/format.h>

#include "artifact/artifact_layout.h"
#include "artifact/io_signature.h"
#include "artifact/metadata.h"
#include "artifact/sha256.h"
#include "bench/accuracy.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/utf8.h"
#include "compare/output_metrics.h"
#include "data/dataset.h"
#include "onnx/model_io.h"
#include "onnx/untrusted_model.h"

namespace fs = std::filesystem;

namespace kiln {

using namespace artifact;

namespace {

// Files the checks read must be plain files inside the folder: a symlink could lead to any file on
// the machine, a FIFO or device would block or never end.
void require_plain_file(const fs::path& p, const fs::path& root) {
  std::error_code ec;
  auto st = fs::symlink_status(p, ec);
  if (ec || st.type() == fs::file_type::not_found) {
    throw Error(fmt::format("{}: no such file", p.lexically_relative(root).generic_string()));
  }
  if (st.type() != fs::file_type::regular) {
    throw Error(fmt::format("{} is not a plain file", p.lexically_relative(root).generic_string()));
  }
}

}  // namespace

namespace {

std::string dump_untrusted(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void CheckList::add(const std::string& check, bool passed, const std::string& raw_detail) {
  // Details quote names and values from the artifact, which may hold any bytes; the reports are
  // JSON and JUnit XML, which need UTF-8 (nlohmann::json throws on invalid bytes when dumping).
  std::string detail = to_valid_utf8(raw_detail);
  result_.checks.push_back({check, passed, detail});
  if (!passed) result_.failures.push_back(fmt::format("{}: {}", check, detail));
}

ValidateResult CheckList::result() const {
  ValidateResult r = result_;
  r.passed = r.failures.empty();
  return r;
}

ArtifactState check_artifact_contents(const fs::path& root, std::optional<double> max_mae) {
  ArtifactState s;
  CheckList& c = s.checks;
  std::error_code ec;

  // 1. metadata: present, YAML, schema
  nlohmann::json meta;
  try {
    fs::path meta_path = root / kMetadataFile;
    require_plain_file(meta_path, root);
    if (fs::is_regular_file(meta_path, ec) && fs::file_size(meta_path, ec) > kMaxMetadataBytes) {
      throw Error(fmt::format("{} is larger than {} bytes", kMetadataFile, kMaxMetadataBytes));
    }
    meta = parse_metadata_yaml(read_file(meta_path), meta_path.string());
    auto problems = metadata_schema_problems(meta);
    c.add("metadata", problems.empty(),
          problems.empty() ? "schema valid"
                           : fmt::format("{} ({} problems)", problems[0], problems.size()));
    if (!problems.empty()) meta = nlohmann::json();
  } catch (const Error& e) {
    c.add("metadata", false, first_line(e.what()));
  }
  if (meta.is_null()) {
    c.add("hashes", false, "skipped: metadata unreadable");
    return s;
  }
  s.meta = meta;

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
      // A link could lead anywhere on the machine that runs validate; artifacts hold plain files.
      if (e.is_symlink(ec)) {
        hash_problem = fmt::format("{} is a symbolic link",
                                   e.path().lexically_relative(root).generic_string());
        break;
      }
      if (!e.is_regular_file(ec)) continue;
      std::string rel = e.path().lexically_relative(root).generic_string();
      if (rel != kMetadataFile && !meta["files"].contains(rel)) {
        hash_problem = fmt::format("{} is not listed in metadata.yaml", rel);
        break;
      }
    }
  }
  c.add("hashes", hash_problem.empty(),
        hash_problem.empty() ? fmt::format("{} files match", hashed) : hash_problem);

  // 3-6. the model: parses, stays inside the folder and the size limit, passes the checker,
  // matches the metadata
  onnx::ModelProto model;
  fs::path model_path = root / kModelFile;
  bool model_ok = false;
  try {
    require_plain_file(model_path, root);
    // parse_model refuses empty files and bytes without a graph or IR version, naming the file.
    model = parse_model(read_file(model_path), kModelFile);
    model_ok = true;
  } catch (const Error& e) {
    c.add("onnx_checker", false, first_line(e.what()));
  }
  if (!model_ok) return s;
  try {
    check_untrusted_model(model, root, kModelFile);
    c.add("external_data", true, "no path escapes the artifact, no tensor beyond the size limit");
  } catch (const Error& e) {
    c.add("external_data", false, first_line(e.what()));
    return s;
  }
  try {
    // With external data the checker reads the files, relative to the model's own path (the
    // in-memory form would look beside the working directory).
    if (has_external_data(model))
      onnx::checker::check_model(model_path.string(), /*full_check=*/true);
    else
      onnx::checker::check_model(model, /*full_check=*/true);
    c.add("onnx_checker", true, "full check passed");
  } catch (const std::exception& e) {
    c.add("onnx_checker", false, first_line(e.what()));
  }
  int64_t opset = 0;
  for (const auto& os : model.opset_import())
    if (os.domain().empty()) opset = os.version();
  c.add("opset", meta["opset"] == opset,
        fmt::format("metadata {} / model {}", dump_untrusted(meta["opset"]), opset));
  bool sig_ok = meta["inputs"] == io_signature(model.graph().input()) &&
                meta["outputs"] == io_signature(model.graph().output());
  c.add("signature", sig_ok,
        sig_ok ? "inputs and outputs match"
               : fmt::format("metadata {} / model {}", dump_untrusted(meta["inputs"]),
                             dump_untrusted(io_signature(model.graph().input()))));

  // 7. golden outputs within the recorded bound
  s.bound = max_mae.value_or(meta["equivalence"]["bound"].get<double>());
  try {
    s.session = std::make_unique<OrtSession>(OrtSession::from_file(model_path));
  } catch (const Error& e) {
    c.add("golden", false, first_line(e.what()));
    return s;
  }
  OutputMetrics golden;
  int sets = 0;
  std::string golden_problem;
  try {
    for (int k = 0; fs::is_directory(root / fmt::format("{}{}", kGoldenPrefix, k), ec); ++k) {
      fs::path dir = root / fmt::format("{}{}", kGoldenPrefix, k);
      std::vector<HostTensor> inputs, expected;
      auto read_golden = [&](const std::string& name) {
        require_plain_file(dir / name, root);
        return read_tensor_pb(dir / name);
      };
      for (int i = 0; fs::exists(dir / fmt::format("input_{}.pb", i), ec); ++i)
        inputs.push_back(read_golden(fmt::format("input_{}.pb", i)));
      for (int i = 0; fs::exists(dir / fmt::format("output_{}.pb", i), ec); ++i)
        expected.push_back(read_golden(fmt::format("output_{}.pb", i)));
      auto got = s.session->run(inputs);
      if (got.size() != expected.size())
        throw Error(fmt::format("{}: {} outputs, expected {}", dir.filename().string(), got.size(),
                                expected.size()));
      for (size_t i = 0; i < got.size(); ++i) golden.add(expected[i], got[i]);
      s.golden_inputs.push_back(inputs);
      ++sets;
    }
  } catch (const Error& e) {
    golden_problem = first_line(e.what());
  }
  if (golden_problem.empty() && sets == 0) golden_problem = "no test_data_set_N folders";
  // NaN/Inf on either side, empty outputs and nothing compared fail (output_metrics.h).
  if (golden_problem.empty()) {
    if (auto p = golden.problem(s.bound, {}, "the golden outputs", "the model's"))
      golden_problem = *p;
  }
  c.add("golden", golden_problem.empty(),
        golden_problem.empty() ? fmt::format("{} sets, E = {:.3g} ≤ {:g} (max abs {:.3g})", sets,
                                             golden.mean_abs(), s.bound, golden.max_abs())
                               : golden_problem);
  return s;
}

void check_artifact_accuracy(ArtifactState& s, double max_drop) {
  const nlohmann::json& meta = s.meta;
  // "dataset" is optional in the schema: check its shape here before reading it.
  bool recorded =
      meta.contains("dataset") && meta["dataset"].is_object() && meta["dataset"].contains("name") &&
      meta["dataset"]["name"].is_string() && meta["dataset"].contains("reference_accuracy") &&
      meta["dataset"]["reference_accuracy"].is_number() && meta["accuracy_drop"].is_number();
  // A user's own evaluation data (pack --eval) stays with the user: the recorded drop is checked.
  const bool evaluated = !recorded && meta.contains("evaluation") && meta["evaluation"].is_object() &&
                         meta["evaluation"].contains("metric") && meta["evaluation"]["metric"].is_string() &&
                         meta["accuracy_drop"].is_number();
  if (evaluated) {
    double drop = meta["accuracy_drop"].get<double>();
    s.checks.add("accuracy", drop <= max_drop,
                 fmt::format("drop {:.3f} pp ({}, recorded at pack: the data is not in the artifact) vs budget {:g} pp", drop,
                             meta["evaluation"]["metric"].get<std::string>(), max_drop));
    return;
  }
  if (!recorded) {
    s.checks.add("accuracy", false, "metadata records no accuracy");
    return;
  }
  std::string ds = meta["dataset"]["name"].get<std::string>();
  double drop = meta["accuracy_drop"].get<double>();
  std::string how = "recorded";
  try {
    check_dataset_name(ds);  // a known name, never a path: it comes from the artifact
    auto loc = locate_dataset(ds);
    if (loc.dir && s.session && !s.session->inputs().empty()) {
      Dataset test = load_dataset_from(*loc.dir, ds, Split::kTest);
      // The same first N images the recorded accuracy was measured on (pack --accuracy-samples);
      // anything but a positive integer there means the whole split (top1_accuracy's limit ≤ 0).
      int64_t samples = 0;
      if (meta["dataset"].contains("samples") && meta["dataset"]["samples"].is_number_integer())
        samples = meta["dataset"]["samples"].get<int64_t>();
      auto acc = top1_accuracy(test, samples, 256, [&](const HostTensor& x) {
        HostTensor in = x;
        in.name = s.session->inputs()[0].name;
        return s.session->run({in})[0];
      });
      drop = 100.0 * (meta["dataset"]["reference_accuracy"].get<double>() - acc.value());
      how = fmt::format("re-measured on {} {} samples", acc.samples, ds);
    }
  } catch (const Error& e) {  // an unknown dataset name or a model the data does not fit
    s.checks.add("accuracy", false, first_line(e.what()));
    return;
  }
  s.checks.add("accuracy", drop <= max_drop,
               fmt::format("drop {:.3f} pp ({}) vs budget {:g} pp", drop, how, max_drop));
}

}  // namespace kiln
