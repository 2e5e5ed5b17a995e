// The pipeline's artifact choice on made-up bench figures: auto takes the fastest within the
// accuracy budget, a named precision is taken as named, and FP16 slower than FP32 is said so.
#include <gtest/gtest.h>

#include "artifact/artifact_choice.h"
#include "common/error.h"

namespace kiln {

namespace {

// Models 0..2 = fp32, int8, fp16 with these p50s (batch 1) and top-1 accuracies on 1000 samples.
BenchMeasurement bench(double p32, double p8, double p16, int64_t c32, int64_t c8, int64_t c16) {
  BenchMeasurement b;
  const double p50[] = {p32, p8, p16};
  const int64_t correct[] = {c32, c8, c16};
  const char* names[] = {"model_opt.onnx", "model_int8_static.onnx", "model_fp16.onnx"};
  for (int i = 0; i < 3; ++i) {
    BenchModelRecord m;
    m.name = names[i];
    m.size_bytes = static_cast<uint64_t>(4000 / (i + 1));
    m.accuracy = Accuracy{1000, correct[i]};
    b.models.push_back(m);
    BenchRow r;
    r.model = i;
    r.batch = 1;
    r.latency.p50 = p50[i];
    b.results.push_back(r);
  }
  return b;
}

const std::vector<std::pair<std::string, int>> kModels{{"fp32", 0}, {"int8", 1}, {"fp16", 2}};

}  // namespace

TEST(ArtifactChoice, AutoTakesTheFastestWithinTheBudget) {
  // INT8 fastest and 0.2 pp down: within 0.3 pp.
  auto c = choose_artifact(bench(0.3, 0.1, 0.7, 990, 988, 990), kModels, "auto", 0.3);
  EXPECT_EQ(c.chosen, "int8");
  EXPECT_NEAR(*c.candidates[1].drop_pp, 0.2, 1e-9);
  EXPECT_TRUE(c.candidates[1].within_budget);
  // 0.5 pp down: over budget, FP32 (faster than FP16) is packed instead.
  auto over = choose_artifact(bench(0.3, 0.1, 0.7, 990, 985, 990), kModels, "auto", 0.3);
  EXPECT_EQ(over.chosen, "fp32");
  EXPECT_FALSE(over.candidates[1].within_budget);
  EXPECT_NE(over.reason.find("over budget"), std::string::npos) << over.reason;
  // FP16 fastest and as accurate: FP16, and no note about FP16 being slow.
  auto half = choose_artifact(bench(0.3, 0.25, 0.2, 990, 980, 990), kModels, "auto", 0.3);
  EXPECT_EQ(half.chosen, "fp16");
  EXPECT_FALSE(half.fp16_note);
}

TEST(ArtifactChoice, NamedPrecisionAndTheFp16Note) {
  auto c = choose_artifact(bench(0.3, 0.1, 0.7, 990, 900, 990), kModels, "int8", 0.3);
  EXPECT_EQ(c.chosen, "int8");  // named: taken even over budget, and the table says so
  EXPECT_FALSE(c.candidates[1].within_budget);
  EXPECT_EQ(c.rule, "--artifact int8");
  ASSERT_TRUE(c.fp16_note);
  EXPECT_NE(c.fp16_note->find("FP16 is not faster here: 0.700 ms against FP32's 0.300 ms"),
            std::string::npos)
      << *c.fp16_note;
  EXPECT_THROW(choose_artifact(bench(0.3, 0.1, 0.7, 990, 900, 990), {{"fp32", 0}}, "fp16", 0.3),
               Error);
}

}  // namespace kiln
