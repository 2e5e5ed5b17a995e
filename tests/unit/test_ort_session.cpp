#include <cmath>

#include <gtest/gtest.h>

#include "common/error.h"
#include "onnx/model_io.h"
#include "onnx_builders.h"
#include "runtime/ort_session.h"

namespace kiln {

namespace {

std::string two_input_model() {
  test::ModelBuilder b;
  b.input("x", DType::Float32, {-1, 3}).input("y", DType::Int64, {2});
  b.node("Relu", {"x"}, {"z"});
  b.node("Identity", {"y"}, {"w"});
  b.output("z", DType::Float32, {-1, 3}).output("w", DType::Int64, {2});
  return serialize_model(b.model());
}

std::string error_or_none(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(OrtSession, DescribesInputsAndOutputs) {
  auto s = OrtSession::from_bytes(two_input_model());
  ASSERT_EQ(s.inputs().size(), 2u);
  EXPECT_EQ(s.inputs()[0].name, "x");
  EXPECT_EQ(s.inputs()[0].dtype(), DType::Float32);
  EXPECT_EQ(s.inputs()[0].shape, (Shape{-1, 3}));
  EXPECT_EQ(s.inputs()[0].symbols[0], "N");
  EXPECT_EQ(s.inputs()[0].describe(), "float32 Nx3");
  EXPECT_EQ(s.inputs()[1].dtype(), DType::Int64);
  ASSERT_EQ(s.outputs().size(), 2u);
  EXPECT_EQ(s.outputs()[1].name, "w");
}

TEST(OrtSession, RunsByNameOrPositionAndKeepsNan) {
  for (auto level : {GraphOptLevel::Disable, GraphOptLevel::All}) {
    SessionOptions o;
    o.optimization = level;
    o.intra_op_threads = 1;
    auto s = OrtSession::from_bytes(two_input_model(), o);
    HostTensor x = make_tensor("x", DType::Float32, {2, 3}, {-1, 2, std::nan(""), 4, -5, 6});
    HostTensor y = make_tensor("y", DType::Int64, {2}, {7, 8});
    auto out = s.run({y, x});  // by name, any order
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].name, "z");
    EXPECT_EQ(out[0].shape, (Shape{2, 3}));
    auto z = out[0].to_doubles();
    EXPECT_EQ(z[0], 0);
    EXPECT_EQ(z[1], 2);
    EXPECT_TRUE(std::isnan(z[2]));  // NaN is data, not an error
    EXPECT_EQ(out[1].to_doubles(), (std::vector<double>{7, 8}));
    x.name.clear();
    y.name.clear();
    EXPECT_EQ(s.run({x, y})[1].to_doubles(), (std::vector<double>{7, 8}));  // by position
  }
}

TEST(OrtSession, PreparedRunsReuseTheirInputs) {
  auto s = OrtSession::from_bytes(two_input_model());
  s.prepare({make_tensor("x", DType::Float32, {1, 3}, {-1, 0, 1}),
             make_tensor("y", DType::Int64, {2}, {1, 2})});
  s.run_prepared();
  s.run_prepared();
  auto out = s.prepared_outputs();
  EXPECT_EQ(out[0].to_doubles(), (std::vector<double>{0, 0, 1}));
  auto fresh = OrtSession::from_bytes(two_input_model());
  EXPECT_THROW(fresh.run_prepared(), Error);
}

TEST(OrtSession, WrongInputsGiveOneLineErrors) {
  auto s = OrtSession::from_bytes(two_input_model(), {}, "m.onnx");
  HostTensor x = make_tensor("x", DType::Float32, {2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor y = make_tensor("y", DType::Int64, {2}, {1, 2});
  EXPECT_NE(error_or_none([&] { s.run({x}); }).find("missing input 'y'"), std::string::npos);
  HostTensor unnamed = x;
  unnamed.name.clear();
  EXPECT_NE(error_or_none([&] { s.run({unnamed}); }).find("expects 2 input(s)"), std::string::npos);
  HostTensor q = y;
  q.name = "q";
  EXPECT_NE(error_or_none([&] { s.run({x, q}); }).find("unknown input 'q'"), std::string::npos);
  HostTensor y32 = make_tensor("y", DType::Int32, {2}, {1, 2});
  EXPECT_NE(error_or_none([&] { s.run({x, y32}); }).find("input 'y' expects int64 2, got int32 2"),
            std::string::npos);
  HostTensor x4 = make_tensor("x", DType::Float32, {2, 2}, {1, 2, 3, 4});
  std::string msg = error_or_none([&] { s.run({x4, y}); });
  EXPECT_NE(msg.find("m.onnx: input 'x' expects float32 Nx3, got float32 2x2"), std::string::npos)
      << msg;
  HostTensor x3d = make_tensor("x", DType::Float32, {1, 2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_NE(error_or_none([&] { s.run({x3d, y}); }).find("expects float32 Nx3"), std::string::npos);
  EXPECT_EQ(error_or_none([&] { s.run({x, y}); }), "(no error)");
}

TEST(OrtSession, BadModelsNameTheFile) {
  std::string msg = error_or_none([] { OrtSession::from_bytes("not a model", {}, "junk.onnx"); });
  EXPECT_NE(msg.find("junk.onnx: ONNX Runtime cannot load the model"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  EXPECT_NE(error_or_none([] {
              OrtSession::from_file("/nonexistent/m.onnx");
            }).find("m.onnx: no such file"),
            std::string::npos);
}

TEST(OrtSession, ParsesOptionWords) {
  EXPECT_EQ(parse_graph_opt_level("extended"), GraphOptLevel::Extended);
  EXPECT_EQ(parse_execution_provider("dnnl"), ExecutionProvider::Dnnl);
  EXPECT_THROW(parse_graph_opt_level("max"), UsageError);
  EXPECT_THROW(parse_execution_provider("xnnpack"), UsageError);
}

TEST(OrtSession, DnnlProviderRuns) {
  SessionOptions o;
  o.provider = ExecutionProvider::Dnnl;
  auto s = OrtSession::from_bytes(two_input_model(), o);
  auto out = s.run({make_tensor("x", DType::Float32, {1, 3}, {-1, 0, 1}),
                    make_tensor("y", DType::Int64, {2}, {1, 2})});
  EXPECT_EQ(out[0].to_doubles(), (std::vector<double>{0, 0, 1}));
}

}  // namespace kiln
