#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "onnx/model_io.h"
#include "onnx_builders.h"
#include "optimize/optimize_file.h"

namespace fs = std::filesystem;

namespace kiln {

// A fixture (a base of TEST_F classes) has external linkage: in a unity batch GCC warns
// about a base in an anonymous namespace of a file that is not the batch's main file.
class OptimizeFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kiln_optfile_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // X → Conv → BN → Relu → Identity → Y, weights as initializers
    test::ModelBuilder b;
    b.input("X", DType::Float32, {-1, 3, 10, 10});
    b.initializer(test::random_tensor("W", DType::Float32, {8, 3, 3, 3}, 1));
    b.initializer(test::random_tensor("s", DType::Float32, {8}, 2, 0.5, 2));
    b.initializer(test::random_tensor("b", DType::Float32, {8}, 3));
    b.initializer(test::random_tensor("m", DType::Float32, {8}, 4));
    b.initializer(test::random_tensor("v", DType::Float32, {8}, 5, 0.001, 0.01));
    b.node("Conv", {"X", "W"}, {"c"});
    b.node("BatchNormalization", {"c", "s", "b", "m", "v"}, {"n"});
    b.node("Relu", {"n"}, {"r"});
    b.node("Identity", {"r"}, {"Y"});
    b.output("Y", DType::Float32, {-1, 8, 8, 8});
    save_model(b.model(), dir_ / "in.onnx");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(OptimizeFile, WritesVerifiedModelAndReport) {
  OptimizeFileOptions o;
  o.input = dir_ / "in.onnx";
  o.output = dir_ / "out.onnx";
  o.report = dir_ / "report.json";
  auto report = optimize_file(o);
  ASSERT_TRUE(fs::exists(o.output));
  ASSERT_TRUE(fs::exists(*o.report));
  auto model = load_model(o.output);
  EXPECT_EQ(test::count_ops(model, "BatchNormalization"), 0);
  EXPECT_EQ(test::count_ops(model, "Identity"), 0);
  EXPECT_TRUE(report.verification.passed);
  EXPECT_EQ(report.verification.input_sets.size(), 2u);  // batch 1 and 3
  ASSERT_TRUE(report.verification.max_rel.has_value());
  EXPECT_LE(*report.verification.max_rel, 1e-5);
  EXPECT_EQ(report.after.nodes, 2);
  bool bn_row = false;
  for (const auto& r : report.runs) {
    if (r.pass == "fuse_bn_into_conv" && r.rewrites == 1) {
      bn_row = true;
      EXPECT_TRUE(r.verified && r.max_rel.has_value());
      EXPECT_EQ(r.before.nodes - r.after.nodes, 1);
    }
  }
  EXPECT_TRUE(bn_row);
  // What metadata.yaml's `optimization` lists: the passes that rewrote, in first-rewrite order.
  std::vector<std::string> applied;
  for (const auto& r : report.runs)
    if (r.rewrites > 0 && std::find(applied.begin(), applied.end(), r.pass) == applied.end())
      applied.push_back(r.pass);
  EXPECT_EQ(report.applied_passes(), applied);
  EXPECT_NE(std::find(applied.begin(), applied.end(), "fuse_bn_into_conv"), applied.end());
  // The file on disk is the same record.
  auto back = read_record<OptimizeFileResult>(*o.report);
  EXPECT_EQ(nlohmann::json(back), nlohmann::json(report));
  std::string text = format_optimize_report(report, false);
  EXPECT_NE(text.find("fuse_bn_into_conv"), std::string::npos);
  EXPECT_NE(text.find("passed"), std::string::npos);
  EXPECT_NE(format_optimize_report(report, true).find("| pass"), std::string::npos);
}

TEST_F(OptimizeFile, RefusesToWriteWhenOutputsMove) {
  OptimizeFileOptions o;
  o.input = dir_ / "in.onnx";
  o.output = dir_ / "out.onnx";
  o.report = dir_ / "report.json";
  o.verify_options.rtol = 0;  // the fused model rounds differently: any change is refused
  try {
    optimize_file(o);
    FAIL() << "expected a verification failure";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("verification failed: output 'Y'"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("first by pass fuse_bn_into_conv"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(o.output));
  EXPECT_FALSE(fs::exists(*o.report));
  o.verify = false;  // --no-verify writes it
  EXPECT_NO_THROW(optimize_file(o));
  EXPECT_TRUE(fs::exists(o.output));
}

TEST_F(OptimizeFile, BadInputsAreOneLineErrors) {
  OptimizeFileOptions o;
  o.output = dir_ / "out.onnx";
  write_file_atomic(dir_ / "junk.onnx", "\x08\x07garbage that is not protobuf\xff\xff");
  write_file_atomic(dir_ / "empty.onnx", "");
  for (const char* name : {"junk.onnx", "empty.onnx", "missing.onnx"}) {
    o.input = dir_ / name;
    try {
      optimize_file(o);
      FAIL() << name;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  o.input = dir_ / "in.onnx";
  o.optimize.passes = {"no_such_pass"};
  EXPECT_THROW(optimize_file(o), UsageError);
  EXPECT_FALSE(fs::exists(o.output));
}

// The field each invalid option is reported under (the CLI turns fields into flags).
static std::vector<std::string> failing_fields(const OptimizeFileOptions& o) {
  try {
    o.validate();
  } catch (const OptionError& e) {
    return e.fields();
  }
  return {};
}

TEST(OptimizeFileOptions, ValidateNamesTheField) {
  OptimizeFileOptions good;
  good.input = "in.onnx";
  good.output = "out.onnx";
  EXPECT_TRUE(failing_fields(good).empty());
  auto with = [&](auto change) {
    OptimizeFileOptions o = good;
    change(o);
    return failing_fields(o);
  };
  using F = std::vector<std::string>;
  EXPECT_EQ(with([](auto& o) { o.input.clear(); }), F{"input"});
  EXPECT_EQ(with([](auto& o) { o.output.clear(); }), F{"output"});
  EXPECT_EQ(with([](auto& o) { o.verify_options.rtol = -1; }), F{"verify_options.rtol"});
  EXPECT_EQ(with([](auto& o) { o.verify_options.rtol = std::nan(""); }), F{"verify_options.rtol"});
  EXPECT_EQ(with([](auto& o) { o.verify_options.dynamic_dims = {1, 0}; }),
            F{"verify_options.dynamic_dims"});
  EXPECT_EQ(with([](auto& o) { o.optimize.max_iterations = 0; }), F{"optimize.max_iterations"});
  EXPECT_EQ(with([](auto& o) { o.optimize.passes = {"fuse_bn_into_conv", ""}; }),
            F{"optimize.passes"});
  OptimizeFileOptions unknown = good;
  unknown.optimize.passes = {"no_such_pass"};
  EXPECT_THROW(unknown.validate(), UsageError);
}

}  // namespace kiln
