// The export's verdict (export/verify_outputs.h) without LibTorch: the error measure, each rule
// that lets an output pass (tolerance, one quantization step, float32 rounding against the float64
// oracle, the int8 engines' spread) and each way it fails; the whole check on a written model;
// and the handoff that carries a verification to the LibTorch-free process.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <limits>

#include "common/atomic_file.h"
#include "common/error.h"
#include "export/verification_handoff.h"
#include "export/verify_outputs.h"
#include "onnx/model_io.h"
#include "onnx_builders.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

HostTensor f32(const std::vector<double>& v, Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return make_tensor("t", DType::Float32, shape, v);
}

VerificationCase one_output(const HostTensor& expected) {
  VerificationCase c;
  c.sizes = "n=4";
  c.expected = {expected};
  return c;
}

fs::path verify_test_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("kiln_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::nan("");

}  // namespace

TEST(RelMeanAbs, EqualValuesIncludingNonFiniteOnesAreNoError) {
  double max_abs = 0;
  EXPECT_EQ(rel_mean_abs(f32({1, -kInf, kNaN, 4}), f32({1, -kInf, kNaN, 4}), max_abs), 0);
  EXPECT_EQ(max_abs, 0);
  // mean |diff| = 0.5 / 4, mean |ref| over finite ones = (1 + 4) / 2
  EXPECT_DOUBLE_EQ(rel_mean_abs(f32({1, -kInf, kNaN, 4}), f32({1.5, -kInf, kNaN, 4}), max_abs),
                   (0.5 / 4) / 2.5);
  EXPECT_DOUBLE_EQ(max_abs, 0.5);
  EXPECT_EQ(rel_mean_abs(f32({1, 2}), f32({1, kInf}), max_abs),
            kInf);  // a difference that is not finite
  EXPECT_EQ(max_abs, kInf);
  max_abs = 0;
  EXPECT_EQ(rel_mean_abs(f32({}), f32({}), max_abs), 0);
}

TEST(JudgeVerificationCase, WithinTheToleranceAndShapeOrDtypeMismatches) {
  auto c = one_output(f32({1, 2, 3, 4}));
  auto v = judge_verification_case(c, 0, {f32({1, 2, 3, 4.0001})}, {"y"}, 1e-4, {}, {});
  EXPECT_EQ(v.sizes, "n=4");
  EXPECT_NEAR(v.max_rel_mean_abs, 0.0001 / 4 / 2.5, 2e-8);  // (4.0001 in float32)
  try {
    judge_verification_case(c, 0, {f32({1, 2, 3, 4}, {2, 2})}, {"y"}, 1e-4, {}, {});
    FAIL() << "a shape mismatch passed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("output 'y' has shape 2x2 at n=4 where LibTorch gives 4 "),
              std::string::npos)
        << e.what();
  }
  try {
    judge_verification_case(c, 0, {make_tensor("t", DType::Int64, {4}, {1, 2, 3, 4})}, {"y"}, 1e-4,
                            {}, {});
    FAIL() << "a dtype mismatch passed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("output 'y' is int64 at n=4 where LibTorch gives float32"),
              std::string::npos)
        << e.what();
  }
}

TEST(JudgeVerificationCase, OneQuantizationStepPassesOnlyForQuantizedOutputs) {
  auto c = one_output(f32({0.5, 1.0, 1.5, 2.0}));
  auto got = f32({0.5, 1.0, 1.5, 2.125});  // one step of 0.125 off
  auto v = judge_verification_case(c, 0, {got}, {"q"}, 1e-4, {0.125}, {});
  EXPECT_EQ(v.within_one_step, std::vector<std::string>{"q"});
  EXPECT_THROW(judge_verification_case(c, 0, {got}, {"q"}, 1e-4, {std::nullopt}, {}), Error);
  EXPECT_THROW(
      judge_verification_case(c, 0, {f32({0.5, 1.0, 1.5, 2.25})}, {"q"}, 1e-4, {0.125}, {}), Error);
}

TEST(JudgeVerificationCase, Float32RoundingAgainstTheFloat64Oracle) {
  auto expected = f32({1.0, 2.0, 3.0, 4.0});
  auto c = one_output(expected);
  auto got = f32({1.001, 2.0, 3.0, 4.0});  // 1e-4 relative: 10× the bound of 1e-5, under 100×
  int calls = 0;
  VerificationOracles close;  // float64 sits between the two float32 results
  close.float64 = [&](size_t k) -> std::optional<std::vector<HostTensor>> {
    ++calls;
    EXPECT_EQ(k, 3u);
    return std::vector<HostTensor>{make_tensor("t", DType::Float64, {4}, {1.0005, 2.0, 3.0, 4.0})};
  };
  auto v = judge_verification_case(c, 3, {got}, {"y"}, 1e-5, {}, close);
  ASSERT_EQ(v.within_fp32_rounding.size(), 1u);
  EXPECT_NE(v.within_fp32_rounding[0].find("y: 0.0001 from LibTorch; from float64 5e-05"),
            std::string::npos)
      << v.within_fp32_rounding[0];
  EXPECT_EQ(calls, 1);
  VerificationOracles far = close;  // float64 agrees with LibTorch: ONNX Runtime is the one off
  far.float64 = [](size_t) -> std::optional<std::vector<HostTensor>> {
    return std::vector<HostTensor>{make_tensor("t", DType::Float64, {4}, {1.0, 2.0, 3.0, 4.0})};
  };
  EXPECT_THROW(judge_verification_case(c, 0, {got}, {"y"}, 1e-5, {}, far), Error);
  try {
    judge_verification_case(c, 0, {got}, {"y"}, 1e-5, {}, VerificationOracles{});  // no float64
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run in float64"), std::string::npos) << e.what();
  }
  // Past 100× the bound the oracle is not asked.
  calls = 0;
  EXPECT_THROW(judge_verification_case(c, 0, {got}, {"y"}, 1e-7, {}, close), Error);
  EXPECT_EQ(calls, 0);
}

TEST(JudgeVerificationCase, TheInt8EnginesSpread) {
  auto c = one_output(f32({0.5, 1.0, 1.5, 2.0}));
  auto got = f32({0.5, 1.0, 1.5, 2.5});  // four steps of 0.125 off: beyond the one-step rule
  VerificationOracles oracles;
  oracles.reference_engine = "QNNPACK";
  oracles.other_engine = [](size_t) -> std::optional<EngineRun> {
    return EngineRun{"ONEDNN", {f32({0.5, 1.0, 1.75, 2.0})}};  // as far from the reference
  };
  auto v = judge_verification_case(c, 0, {got}, {"q"}, 1e-2, {0.125}, oracles);
  ASSERT_EQ(v.within_engine_spread.size(), 1u);
  EXPECT_NE(v.within_engine_spread[0].find("(QNNPACK); LibTorch ONEDNN is 0.05 from it"),
            std::string::npos)
      << v.within_engine_spread[0];
  oracles.other_engine = [](size_t) -> std::optional<EngineRun> {
    return EngineRun{"ONEDNN", {f32({0.5, 1.0, 1.5, 2.0})}};
  };
  EXPECT_THROW(judge_verification_case(c, 0, {got}, {"q"}, 1e-2, {0.125}, oracles), Error);
}

TEST(VerifyWrittenModel, BothSessionsOnAWrittenModel) {
  const fs::path dir = verify_test_dir("verify_written");
  test::ModelBuilder b;
  b.input("x", test::F32, {-1, 3}).output("y", test::F32, {-1, 3});
  b.node("Relu", {"x"}, {"y"});
  save_model(b.model(), dir / "relu.onnx");
  auto c1 = one_output(f32({0, 0, 3, 4, 0, 6}, {2, 3}));
  c1.inputs = {make_tensor("x", DType::Float32, {2, 3}, {-1, -2, 3, 4, -5, 6})};
  auto c2 = one_output(f32({1, 0, 0}, {1, 3}));
  c2.sizes = "n=1";
  c2.inputs = {make_tensor("x", DType::Float32, {1, 3}, {1, -1, 0})};
  auto verdicts = verify_written_model(dir / "relu.onnx", {c1, c2}, {"y"}, 1e-6, {}, {});
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[0].ort_optimizations, "disabled");
  EXPECT_EQ(verdicts[1].ort_optimizations, "all");
  EXPECT_EQ(verdicts[1].sizes, "n=1");
  // One case is checked both ways.
  EXPECT_EQ(verify_written_model(dir / "relu.onnx", {c1}, {"y"}, 1e-6, {}, {}).size(), 2u);
  c2.expected = {f32({2, 0, 0}, {1, 3})};
  EXPECT_THROW(verify_written_model(dir / "relu.onnx", {c1, c2}, {"y"}, 1e-6, {}, {}), Error);
  fs::remove_all(dir);
}

TEST(VerificationHandoff, RoundTripsEveryField) {
  const fs::path dir = verify_test_dir("handoff");
  VerificationHandoff h;
  h.result.model = "m.pt";
  h.result.nodes = 7;
  h.result.op_histogram = {{"Conv", 2}};
  h.options.model = "m.pt";
  h.options.ops_libraries = {"libx.so"};
  h.written = dir / ".m.onnx.tmp";
  h.tolerance = 2e-5;
  h.output_names = {"a", "b"};
  h.steps = {std::nullopt, 0.25};
  VerificationCase c = one_output(f32({1, 2}));
  c.inputs = {make_tensor("ids", DType::Int64, {2}, {3, 9}),
              make_tensor("mask", DType::Bool, {2}, {1, 0})};
  c.expected.push_back(make_tensor("b", DType::Float64, {1}, {0.5}));
  h.cases = {c, c};
  h.cases[1].sizes = "n=8";
  h.started = 12345.5;
  h.files = {{dir / "m.onnx", dir / ".m.onnx.tmp"}};
  h.report = dir / "r.json";
  write_handoff(h, dir);
  VerificationHandoff r = read_handoff(dir);
  EXPECT_EQ(r.result.nodes, 7);
  EXPECT_EQ(r.result.op_histogram, h.result.op_histogram);
  EXPECT_EQ(r.options.ops_libraries, h.options.ops_libraries);
  EXPECT_EQ(r.written, h.written);
  EXPECT_EQ(r.tolerance, 2e-5);
  EXPECT_EQ(r.output_names, h.output_names);
  EXPECT_EQ(r.steps, h.steps);
  ASSERT_EQ(r.cases.size(), 2u);
  EXPECT_EQ(r.cases[1].sizes, "n=8");
  for (size_t k = 0; k < 2; ++k) {
    ASSERT_EQ(r.cases[k].inputs.size(), 2u);
    ASSERT_EQ(r.cases[k].expected.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(r.cases[k].inputs[i].name, c.inputs[i].name);
      EXPECT_EQ(r.cases[k].inputs[i].dtype, c.inputs[i].dtype);
      EXPECT_EQ(r.cases[k].inputs[i].data, c.inputs[i].data);
      EXPECT_EQ(r.cases[k].expected[i].dtype, c.expected[i].dtype);
      EXPECT_EQ(r.cases[k].expected[i].data, c.expected[i].data);
    }
  }
  EXPECT_EQ(r.started, 12345.5);
  EXPECT_EQ(r.files, h.files);
  EXPECT_EQ(r.report, h.report);

  // The float64 oracle's answer: one case unavailable.
  write_float64_outputs(dir, {std::nullopt, std::vector<HostTensor>{f32({4, 5})}});
  auto back = read_float64_outputs(dir);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_FALSE(back[0]);
  ASSERT_TRUE(back[1]);
  EXPECT_EQ((*back[1])[0].to_doubles(), (std::vector<double>{4, 5}));

  write_file_atomic(dir / "handoff.json", "{\"version\": 2}");
  EXPECT_THROW(read_handoff(dir), Error);
  fs::remove_all(dir);
}

TEST(FileSet, ReleasedTemporariesAreAdoptedAndCommittedElsewhere) {
  const fs::path dir = verify_test_dir("fileset_release");
  std::vector<std::pair<fs::path, fs::path>> handed;
  {
    FileSet first;
    first.write(dir / "a.txt", "A");
    first.reserve(dir / "b.txt");
    handed = first.release();
  }  // destroyed without commit: released temporaries stay
  ASSERT_EQ(handed.size(), 2u);
  EXPECT_EQ(handed[0].first, dir / "a.txt");
  EXPECT_TRUE(fs::exists(handed[0].second));
  EXPECT_TRUE(fs::exists(handed[1].second));
  {
    FileSet second;
    for (const auto& [target, temp] : handed) second.adopt(target, temp);
    second.write(dir / "b.txt", "B");
    second.commit();
  }
  EXPECT_EQ(read_file(dir / "a.txt"), "A");
  EXPECT_EQ(read_file(dir / "b.txt"), "B");
  EXPECT_FALSE(fs::exists(handed[0].second));
  {
    FileSet third;
    third.write(dir / "c.txt", "C");
    auto again = third.release();
    FileSet fourth;
    fourth.adopt(again[0].first, again[0].second);
  }  // adopted and not committed: removed
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);
  FileSet missing;
  EXPECT_THROW(missing.adopt(dir / "d.txt", dir / ".d.txt.gone"), Error);
  fs::remove_all(dir);
}

}  // namespace kiln
