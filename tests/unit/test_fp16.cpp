// convert-fp16: the plan (which nodes stay FP32 and why), the rewrite (types, Casts, initializers)
// and the command's guarantees (no new NaN/Inf, nothing written on failure).
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "common/error.h"
#include "fp16/activation_stats.h"
#include "fp16/convert_fp16_file.h"
#include "fp16/fp16_plan.h"
#include "fp16/fp16_rewrite.h"
#include "onnx/graph_view.h"
#include "onnx/model_io.h"
#include "onnx_builders.h"

namespace kiln {

namespace {

namespace fs = std::filesystem;
using test::add_int;
using test::count_ops;
using test::F32;
using test::ModelBuilder;
using test::random_tensor;

// X[N,4] → Add(100) → MatMul (weights 500–1000) → h → Mul(0.001) → Y. For any X in (−1, 1), h is
// ~3·10^5: beyond FP16's 65504, although every weight, the input and the output fit.
onnx::ModelProto overflowing_model() {
  ModelBuilder b(13);
  b.input("X", F32, {-1, 4});
  b.initializer(make_tensor("c", F32, {}, {100.0}));
  b.initializer(random_tensor("W", F32, {4, 3}, 1, 500, 1000));
  b.initializer(make_tensor("k", F32, {}, {0.001}));
  b.node("Add", {"X", "c"}, {"a"}).set_name("shift");
  b.node("MatMul", {"a", "W"}, {"h"}).set_name("big_matmul");
  b.node("Mul", {"h", "k"}, {"Y"}).set_name("scale_down");
  b.output("Y", F32, {-1, 3});
  return b.model();
}

// X[N,8] → Gemm → Relu → Exp → ReduceSum(axis 1: 8 elements) → Y
onnx::ModelProto small_mixed_model() {
  ModelBuilder b(13);
  b.input("X", F32, {-1, 8});
  b.initializer(random_tensor("W", F32, {8, 8}, 2, -0.5, 0.5));
  b.initializer(random_tensor("B", F32, {8}, 3, -0.1, 0.1));
  b.node("Gemm", {"X", "W", "B"}, {"g"}).set_name("fc");
  b.node("Relu", {"g"}, {"r"}).set_name("relu");
  b.node("Exp", {"r"}, {"e"}).set_name("exp");
  b.initializer(make_tensor("axes", DType::Int64, {1}, {1}));
  auto& red = b.node("ReduceSum", {"e", "axes"}, {"Y"});
  red.set_name("sum");
  add_int(red, "keepdims", 0);
  b.output("Y", F32, {-1});
  return b.model();
}

std::map<int, std::string> plan_of(onnx::ModelProto model, const Fp16PlanOptions& o,
                                   const std::map<std::string, ActivationStats>& stats = {}) {
  ModelScope scope(model);
  GraphView view(*model.mutable_graph(), scope);
  return plan_fp16(view, o, stats);
}

int32_t elem_type(const google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& values,
                  const std::string& name) {
  for (const auto& v : values)
    if (v.name() == name) return v.type().tensor_type().elem_type();
  return -1;
}

}  // namespace

TEST(Fp16Plan, KeepsExpFp32UnlessAllowedAndHonoursUserBlocks) {
  auto m = small_mixed_model();
  auto plan = plan_of(m, {});
  ASSERT_EQ(plan.size(), 1u);  // Exp; the 8-element sum is short enough
  EXPECT_EQ(plan.begin()->first, 2);
  EXPECT_NE(plan.begin()->second.find("Exp overflows FP16"), std::string::npos);
  EXPECT_TRUE(plan_of(m, {{}, {}, true}).empty());
  auto user = plan_of(m, {{"Relu"}, {"fc"}, true});
  ASSERT_EQ(user.size(), 2u);
  EXPECT_EQ(user.at(0), "--block-nodes");
  EXPECT_EQ(user.at(1), "--block-ops Relu");
  EXPECT_THROW(plan_of(m, {{}, {"nope"}, false}), UsageError);
}

TEST(Fp16Plan, MeasuredOverflowKeepsTheProducerAndItsReadersFp32) {
  std::map<std::string, ActivationStats> stats;
  stats["h"].max_abs = 1.2e5;
  stats["Y"].max_abs = 120;
  auto plan = plan_of(overflowing_model(), {}, stats);
  ASSERT_EQ(plan.size(), 2u);  // the MatMul writing h and the Mul reading it; the Add is fine
  EXPECT_NE(plan.at(1).find("'h' reaches |x| = 1.2e+05"), std::string::npos) << plan.at(1);
  EXPECT_NE(plan.at(2).find("'h' reaches"), std::string::npos) << plan.at(2);
  stats["h"] = {};
  stats["h"].nonzero = 100;
  stats["h"].flushed = 50;
  auto flushed = plan_of(overflowing_model(), {}, stats);
  ASSERT_EQ(flushed.size(), 2u);
  EXPECT_NE(flushed.at(1).find("50.0% of the nonzero values of 'h'"), std::string::npos);
}

TEST(Fp16Rewrite, TypesCastsAndInitializers) {
  // Exp stays FP32: one Cast to float before it and one back to float16 after it.
  auto m = small_mixed_model();
  auto plan = plan_of(m, {});
  Fp16Rewrite r = convert_to_fp16(m, plan, /*keep_io_types=*/false);
  EXPECT_EQ(r.fp16_nodes, 3);
  EXPECT_EQ(r.fp32_nodes, 1);
  EXPECT_EQ(r.casts, 2);
  EXPECT_EQ(r.initializers, 2);
  EXPECT_EQ(count_ops(m, "Cast"), 2);
  EXPECT_EQ(elem_type(m.graph().input(), "X"), onnx::TensorProto::FLOAT16);
  EXPECT_EQ(elem_type(m.graph().output(), "Y"), onnx::TensorProto::FLOAT16);
  for (const auto& t : m.graph().initializer())  // W, B to float16; the int64 axes untouched
    EXPECT_EQ(t.data_type(),
              t.name() == "axes" ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT16);
  EXPECT_NO_THROW(check_model(m, true, "fp16"));

  // keep_io_types: the interface stays float32, under the same names.
  auto k = small_mixed_model();
  Fp16Rewrite rk = convert_to_fp16(k, plan_of(k, {{}, {}, true}), /*keep_io_types=*/true);
  EXPECT_EQ(rk.casts, 2);  // X in, Y out
  EXPECT_EQ(elem_type(k.graph().input(), "X"), onnx::TensorProto::FLOAT);
  EXPECT_EQ(elem_type(k.graph().output(), "Y"), onnx::TensorProto::FLOAT);
  EXPECT_EQ(k.graph().node(k.graph().node_size() - 1).op_type(), "Cast");
  EXPECT_EQ(k.graph().node(k.graph().node_size() - 1).output(0), "Y");
  EXPECT_NO_THROW(check_model(k, true, "fp16 keep io"));
}

TEST(ConvertFp16, OverflowIsFoundWithCalibrationAndRefusedWithout) {
  auto dir = testing::fresh_temp_dir("fp16_overflow");
  save_model(overflowing_model(), dir / "in.onnx");
  fs::create_directories(dir / "calib");
  write_tensor_pb(random_tensor("X", F32, {32, 4}, 4, -1, 1), dir / "calib" / "a.pb");
  ConvertFp16Options o;
  o.input = dir / "in.onnx";
  o.output = dir / "out.onnx";
  o.keep_io_types = true;

  // Without --calibrate the ranges come from seeded random inputs in (−1, 1): h overflows there
  // too, so the same two nodes stay FP32, and the report says what the ranges were measured on.
  // (ONNX Runtime's CPU provider would not have shown the overflow: it runs this FP16 MatMul
  // through float32 Casts of its own, so converting everything passed its check.)
  auto blind = convert_fp16_file(o);
  EXPECT_NE(blind.verified_on.find("seeded random inputs"), std::string::npos) << blind.verified_on;
  ASSERT_EQ(blind.blocked.size(), 2u);
  EXPECT_EQ(blind.blocked[0].node, "big_matmul");
  EXPECT_EQ(blind.new_non_finite, 0);
  fs::remove(o.output);

  // With calibration data kiln measures h and keeps its producer and reader FP32.
  o.calibrate = (dir / "calib").string();
  o.report = dir / "report.json";
  auto r = convert_fp16_file(o);
  ASSERT_EQ(r.blocked.size(), 2u);
  EXPECT_EQ(r.blocked[0].node, "big_matmul");
  EXPECT_EQ(r.blocked[1].node, "scale_down");
  EXPECT_NE(r.blocked[0].why.find("'h' reaches |x| = "), std::string::npos) << r.blocked[0].why;
  EXPECT_EQ(r.fp16_nodes, 1);  // the Add
  EXPECT_EQ(r.new_non_finite, 0);
  EXPECT_EQ(r.error.nonfinite_candidate, 0);
  EXPECT_LT(r.error.relative_l2, 1e-3);
  EXPECT_EQ(r.calibration_samples, 32);
  EXPECT_TRUE(fs::exists(o.output));
  EXPECT_EQ(read_record<ConvertFp16Result>(*o.report).blocked.size(), 2u);
  fs::remove_all(dir);
}

}  // namespace kiln
