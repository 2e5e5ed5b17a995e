// kiln validate's checks of the artifact by itself (artifact/artifact_checks.h), on a miniature
// artifact: it passes; each corruption fails the check that names it; code is never loaded.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <optional>

#include "../support/temp_dir.h"
#include "artifact/artifact_checks.h"
#include "artifact/metadata.h"
#include "common/atomic_file.h"
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
