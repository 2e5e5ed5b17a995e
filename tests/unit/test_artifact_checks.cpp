// kiln validate's checks of the artifact by itself (artifact/artifact_checks.h), on a miniature
// artifact: it passes; each corruption fails the check that names it; code is never loaded.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "../support/temp_dir.h"
#include "artifact/artifact_checks.h"
#include "artifact/artifact_out.h"
#include "artifact/metadata.h"
#include "common/atomic_file.h"
#include "compare/output_metrics.h"
#include "tensor/host_tensor.h"
#include "tiny_artifact.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// The detail of check `name`, or "missing" when it did not run; `passed` receives its outcome.
std::string check(const ValidateResult& result, const std::string& name, bool* passed = nullptr) {
  const CheckRecord* c = result.find(name);
  if (c == nullptr) return "missing";
  if (passed) *passed = c->passed;
  return c->detail;
}

}  // namespace

TEST(ArtifactChecks, AFreshArtifactPassesEveryCheck) {
  auto d = testing::fresh_temp_dir("artifact_ok");
  test::write_tiny_artifact(d);
  ArtifactState s = check_artifact_contents(d, std::nullopt);
  auto r = s.checks.result();
  EXPECT_TRUE(r.passed) << record_text(r);
  EXPECT_NE(s.session, nullptr);
  EXPECT_EQ(s.golden_inputs.size(), 1u);
  fs::remove_all(d);
}

TEST(ArtifactChecks, ATorchScriptArchiveDisguisedAsTheModelIsNeverLoaded) {
  auto d = testing::fresh_temp_dir("artifact_pt");
  test::write_tiny_artifact(d);
  // The start of a TorchScript archive (a zip with a code/ folder); its hash is made to match.
  write_file_atomic(d / "model_opt.onnx", std::string("PK\x03\x04", 4) +
                                              "archive/code/__torch__.py def forward(self): ...");
  test::rehash_artifact_file(d, "model_opt.onnx");
  ArtifactState s = check_artifact_contents(d, std::nullopt);
  bool passed = true;
  EXPECT_EQ(check(s.checks.result(), "onnx_checker", &passed),
            "model_opt.onnx: not an ONNX model (protobuf parse failed)");
  EXPECT_FALSE(passed);
  EXPECT_EQ(s.session, nullptr);
  fs::remove_all(d);
}

TEST(ArtifactChecks, CorruptionsFailTheCheckThatNamesThem) {
  auto d = testing::fresh_temp_dir("artifact_bad");
  bool passed = true;

  test::write_tiny_artifact(d);
  write_file_atomic(d / "extra.pt", "code");
  EXPECT_EQ(check(check_artifact_contents(d, std::nullopt).checks.result(), "hashes", &passed),
            "extra.pt is not listed in metadata.yaml");
  EXPECT_FALSE(passed);

  fs::remove_all(d);
  test::write_tiny_artifact(d);
  write_file_atomic(d / "metadata.yaml", "files: [unclosed");
  EXPECT_NE(check(check_artifact_contents(d, std::nullopt).checks.result(), "metadata", &passed)
                .find("malformed YAML"),
            std::string::npos);
  EXPECT_FALSE(passed);

  // Golden input with NaN: the outputs differ from the recorded ones.
  fs::remove_all(d);
  test::write_tiny_artifact(d);
  HostTensor x = read_tensor_pb(d / "test_data_set_0/input_0.pb");
  x.set(0, std::nan(""));
  write_tensor_pb(x, d / "test_data_set_0/input_0.pb");
  test::rehash_artifact_file(d, "test_data_set_0/input_0.pb");
  check(check_artifact_contents(d, std::nullopt).checks.result(), "golden", &passed);
  EXPECT_FALSE(passed);

  // Links and special files are never read: they could lead outside the folder or never end.
  fs::remove_all(d);
  test::write_tiny_artifact(d);
  fs::rename(d / "model_opt.onnx", d.parent_path() / (d.filename().string() + "_outside.onnx"));
  fs::create_symlink(d.parent_path() / (d.filename().string() + "_outside.onnx"),
                     d / "model_opt.onnx");
  {
    ArtifactState s = check_artifact_contents(d, std::nullopt);
    EXPECT_EQ(check(s.checks.result(), "hashes", &passed), "model_opt.onnx is a symbolic link");
    EXPECT_EQ(check(s.checks.result(), "onnx_checker", &passed),
              "model_opt.onnx is not a plain file");
    EXPECT_EQ(s.session, nullptr);
  }
  fs::remove(d.parent_path() / (d.filename().string() + "_outside.onnx"));
  fs::remove_all(d);
  test::write_tiny_artifact(d);
  fs::remove(d / "test_data_set_0/output_0.pb");
  ASSERT_EQ(::mkfifo((d / "test_data_set_0/output_0.pb").c_str(), 0644), 0);
  EXPECT_EQ(check(check_artifact_contents(d, std::nullopt).checks.result(), "golden", &passed),
            "test_data_set_0/output_0.pb is not a plain file");

  // Accuracy: a dataset entry of the wrong type or an unknown name is a failed check, not a crash.
  fs::remove_all(d);
  test::write_tiny_artifact(d);
  nlohmann::json m = parse_metadata_yaml(read_file(d / "metadata.yaml"), "m");
  for (const nlohmann::json& dataset :
       {nlohmann::json(7), nlohmann::json{{"name", "../../etc"}, {"reference_accuracy", 0.9}}}) {
    m["dataset"] = dataset;
    m["accuracy_drop"] = 0.1;
    write_file_atomic(d / "metadata.yaml", metadata_to_yaml(m));
    ArtifactState s = check_artifact_contents(d, std::nullopt);
    check_artifact_accuracy(s, 1.0);
    check(s.checks.result(), "accuracy", &passed);
    EXPECT_FALSE(passed) << dataset.dump();
  }
  fs::remove_all(d);
}

// Found by fuzz_validate: a detail quoting invalid UTF-8 from the artifact made the JSON report
// throw (std::terminate in the harness) instead of reporting the failed check.
TEST(ArtifactChecks, DetailsWithInvalidUtf8StillMakeAJsonReport) {
  CheckList checks;
  checks.add("metadata", false, std::string("opset \xAC\xFF from the artifact"));
  std::string dumped;
  ASSERT_NO_THROW(dumped = record_text(checks.result()));
  EXPECT_NE(dumped.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD replacement character
  EXPECT_FALSE(checks.result().passed);
}

}  // namespace kiln

namespace kiln {

// Issue 33: golden outputs all NaN or all Inf (hashes updated) passed with "E = 0", and so did
// test sets of batch 0: a comparison with NaN, or with nothing, must fail.
TEST(ArtifactChecks, NonFiniteOrEmptyGoldenOutputsFail) {
  auto d = testing::fresh_temp_dir("artifact_nan_golden");
  const std::string out = "test_data_set_0/output_0.pb", in = "test_data_set_0/input_0.pb";
  for (double v : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    fs::remove_all(d);
    test::write_tiny_artifact(d);
    HostTensor y = read_tensor_pb(d / out);
    for (int64_t i = 0; i < y.numel(); ++i) y.set(i, v);
    write_tensor_pb(y, d / out);
    test::rehash_artifact_file(d, out);
    bool passed = true;
    std::string detail =
        check(check_artifact_contents(d, std::nullopt).checks.result(), "golden", &passed);
    EXPECT_FALSE(passed) << v;
    EXPECT_EQ(detail,
              fmt::format("NaN/Inf values: {} in the golden outputs, 0 in the model's", y.numel()));
  }
  // Batch 0: an input and an output with no rows.
  fs::remove_all(d);
  test::write_tiny_artifact(d);
  HostTensor x = read_tensor_pb(d / in), y = read_tensor_pb(d / out);
  x.shape[0] = 0;
  x.data.clear();
  y.shape[0] = 0;
  y.data.clear();
  write_tensor_pb(x, d / in);
  write_tensor_pb(y, d / out);
  test::rehash_artifact_file(d, in);
  test::rehash_artifact_file(d, out);
  bool passed = true;
  EXPECT_EQ(check(check_artifact_contents(d, std::nullopt).checks.result(), "golden", &passed),
            "1 of 1 outputs have no elements (nothing to compare)");
  EXPECT_FALSE(passed);
  fs::remove_all(d);
}

TEST(OutputMetrics, VerdictIsNanSafe) {
  auto t = [](std::vector<float> v) {
    HostTensor h("y", DType::Float32, {1, static_cast<int64_t>(v.size())});
    for (size_t i = 0; i < v.size(); ++i) h.set(static_cast<int64_t>(i), v[i]);
    return h;
  };
  const float nan = std::nanf(""), inf = HUGE_VALF;
  auto verdict = [&](std::vector<float> a, std::vector<float> b, VerdictPolicy p = {},
                     double bound = 1e-3) {
    OutputMetrics m;
    m.add(t(a), t(b));
    return m.problem(bound, p).value_or("pass");
  };
  EXPECT_EQ(verdict({1, 2}, {1, 2}), "pass");
  EXPECT_EQ(verdict({1, 2}, {1, 3}), "E = 0.5 exceeds the bound 0.001");
  EXPECT_EQ(verdict({1, 2}, {1, 2}, {}, std::nan("")), "the bound is NaN");
  EXPECT_EQ(verdict({nan, nan}, {1, 2}), "NaN/Inf values: 2 in the reference, 0 in the candidate");
  EXPECT_EQ(verdict({1, 2}, {inf, 2}), "NaN/Inf values: 0 in the reference, 1 in the candidate");
  EXPECT_EQ(verdict({nan, 2}, {nan, 2}), "NaN/Inf values: 1 in the reference, 1 in the candidate");
  // Explicitly expected: the very same NaN/Inf on both sides.
  VerdictPolicy same{true, false};
  EXPECT_EQ(verdict({nan, -inf, 2}, {nan, -inf, 2}, same), "pass");
  EXPECT_NE(verdict({nan, 2}, {1, 2}, same).find("1 NaN/Inf values not matched"),
            std::string::npos);
  EXPECT_NE(verdict({inf, 2}, {-inf, 2}, same).find("not matched"), std::string::npos);
  EXPECT_NE(verdict({inf, 2}, {nan, 2}, same).find("not matched"), std::string::npos);
  // Nothing compared, or empty outputs.
  EXPECT_EQ(OutputMetrics().problem(1).value_or("pass"), "no outputs compared");
  OutputMetrics empty;
  empty.add(HostTensor("y", DType::Float32, {0, 3}), HostTensor("y", DType::Float32, {0, 3}));
  EXPECT_EQ(empty.problem(1).value_or("pass"),
            "1 of 1 outputs have no elements (nothing to compare)");
  EXPECT_EQ(empty.problem(1, {false, true}).value_or("pass"), "pass");
  // Integer outputs compare exactly within the bound, through doubles.
  OutputMetrics ints;
  HostTensor a("i", DType::Int64, {3}), b("i", DType::Int64, {3});
  for (int64_t i = 0; i < 3; ++i) {
    a.set(i, static_cast<double>(i));
    b.set(i, static_cast<double>(i));
  }
  ints.add(a, b);
  EXPECT_FALSE(ints.problem(0).has_value());
  b.set(2, 3);
  OutputMetrics ints2;
  ints2.add(a, b);
  EXPECT_TRUE(ints2.problem(0.1).has_value());
}

}  // namespace kiln

namespace kiln {

// Issue 33: `pack --out DIR` deleted a folder that was not an artifact (a user's notes.txt gone)
// or a regular file. Only a previous kiln artifact (or nothing, or an empty folder) is replaced.
TEST(ArtifactOut, OnlyAPreviousArtifactIsReplaceable) {
  auto d = testing::fresh_temp_dir("artifact_out");
  auto error_of = [](const fs::path& p) {
    try {
      require_replaceable_artifact(p);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("replaceable");
  };
  EXPECT_EQ(error_of(d / "nowhere"), "replaceable");
  fs::create_directories(d / "empty");
  EXPECT_EQ(error_of(d / "empty"), "replaceable");
  test::write_tiny_artifact(d / "art");
  EXPECT_EQ(error_of(d / "art"), "replaceable");

  write_file_atomic(d / "afile", "mine");
  EXPECT_EQ(error_of(d / "afile").rfind((d / "afile").string() + " exists and is not a folder", 0),
            0u);
  fs::create_directories(d / "notes");
  write_file_atomic(d / "notes/notes.txt", "mine");
  EXPECT_NE(error_of(d / "notes").find("is not a kiln artifact (no metadata.yaml)"),
            std::string::npos);
  write_file_atomic(d / "notes/metadata.yaml", "title: my notes\n");
  EXPECT_NE(error_of(d / "notes").find("its metadata.yaml is not kiln's"), std::string::npos);
  write_file_atomic(d / "art/notes.txt", "mine");
  EXPECT_NE(error_of(d / "art").find("notes.txt is not part of the kiln artifact there"),
            std::string::npos);
  fs::remove(d / "art/notes.txt");
  fs::create_directory_symlink(d / "notes", d / "art/linked");
  EXPECT_NE(error_of(d / "art").find("linked is not part of the kiln artifact there"),
            std::string::npos);
  fs::remove(d / "art/linked");
  fs::create_directory_symlink(d / "art", d / "link");
  EXPECT_NE(error_of(d / "link").find("is a symbolic link"), std::string::npos);
  // Nothing was touched.
  EXPECT_EQ(read_file(d / "afile"), "mine");
  EXPECT_EQ(read_file(d / "notes/notes.txt"), "mine");
  fs::remove_all(d);
}

}  // namespace kiln
