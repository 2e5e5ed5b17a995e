#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <onnxruntime_cxx_api.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "onnx_builders.h"
#include "tensor/host_tensor.h"
#include "tensor/tensor_diff.h"

namespace fs = std::filesystem;

namespace kiln {

// A fixture (a base of TEST_F classes) has external linkage: in a unity batch GCC warns
// about a base in an anonymous namespace of a file that is not the batch's main file.
class HostTensorFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kiln_tensor_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

namespace {

void expect_error_with(const std::function<void()>& fn, const std::string& part) {
  try {
    fn();
    FAIL() << "no error; expected one containing '" << part << "'";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace

TEST_F(HostTensorFiles, RoundTripsEveryDtypeBitExactly) {
  for (DType dt : {DType::Float32, DType::Float16, DType::BFloat16, DType::Float64, DType::Int8,
                   DType::UInt8, DType::Int16, DType::UInt16, DType::Int32, DType::Int64,
                   DType::UInt32, DType::UInt64, DType::Bool}) {
    HostTensor t = test::random_tensor("x", dt, {2, 3}, 7, -100, 100);
    fs::path p = dir_ / (dtype_name(dt) + ".pb");
    write_tensor_pb(t, p);
    HostTensor back = read_tensor_pb(p);
    EXPECT_EQ(back.name, "x");
    EXPECT_EQ(back.dtype, dt) << dtype_name(dt);
    EXPECT_EQ(back.shape, (Shape{2, 3}));
    EXPECT_EQ(back.data, t.data) << dtype_name(dt);
  }
}

TEST_F(HostTensorFiles, ScalarAndEmptyTensorsRoundTrip) {
  HostTensor scalar = make_tensor("s", DType::Float32, {}, {2.5});
  write_tensor_pb(scalar, dir_ / "s.pb");
  EXPECT_EQ(read_tensor_pb(dir_ / "s.pb").at(0), 2.5);
  HostTensor empty("e", DType::Int64, {0, 4});
  write_tensor_pb(empty, dir_ / "e.pb");
  HostTensor back = read_tensor_pb(dir_ / "e.pb");
  EXPECT_EQ(back.numel(), 0);
  EXPECT_EQ(back.shape, (Shape{0, 4}));
}

TEST(HostTensor, ReadsTypedRepeatedFields) {
  onnx::TensorProto p;
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(3);
  for (float v : {1.0f, -2.0f, 0.5f}) p.add_float_data(v);
  EXPECT_EQ(tensor_from_proto(p, "t").to_doubles(), (std::vector<double>{1.0, -2.0, 0.5}));

  onnx::TensorProto h;
  h.set_data_type(onnx::TensorProto::FLOAT16);
  h.add_dims(2);
  h.add_int32_data(0x3C00);  // 1.0
  h.add_int32_data(0xC000);  // -2.0
  EXPECT_EQ(tensor_from_proto(h, "t").to_doubles(), (std::vector<double>{1.0, -2.0}));

  onnx::TensorProto i;
  i.set_data_type(onnx::TensorProto::INT64);
  i.add_dims(2);
  i.add_int64_data(-7);
  i.add_int64_data(int64_t{1} << 40);
  HostTensor ti = tensor_from_proto(i, "t");
  EXPECT_EQ(ti.ptr<int64_t>()[1], int64_t{1} << 40);

  onnx::TensorProto b;
  b.set_data_type(onnx::TensorProto::BOOL);
  b.add_dims(3);
  for (int v : {1, 0, 1}) b.add_int32_data(v);
  EXPECT_EQ(tensor_from_proto(b, "t").to_doubles(), (std::vector<double>{1, 0, 1}));

  onnx::TensorProto d;
  d.set_data_type(onnx::TensorProto::DOUBLE);
  d.add_double_data(3.25);  // scalar
  EXPECT_EQ(tensor_from_proto(d, "t").at(0), 3.25);
}

TEST_F(HostTensorFiles, CorruptFilesGiveOneLineNamingTheFile) {
  fs::path junk = dir_ / "junk.pb";
  write_file_atomic(junk, std::string("\xff\xff\xff\xff garbage", 13));
  expect_error_with([&] { read_tensor_pb(junk); }, "junk.pb");

  fs::path empty = dir_ / "empty.pb";
  write_file_atomic(empty, "");
  expect_error_with([&] { read_tensor_pb(empty); }, "empty.pb");

  expect_error_with([&] { read_tensor_pb(dir_ / "missing.pb"); }, "missing.pb: no such file");

  onnx::TensorProto short_data;  // 2x3 float needs 24 bytes
  short_data.set_data_type(onnx::TensorProto::FLOAT);
  short_data.add_dims(2);
  short_data.add_dims(3);
  short_data.set_raw_data(std::string(20, '\0'));
  write_file_atomic(dir_ / "short.pb", short_data.SerializeAsString());
  expect_error_with([&] { read_tensor_pb(dir_ / "short.pb"); }, "short.pb");
  expect_error_with([&] { read_tensor_pb(dir_ / "short.pb"); }, "needs 24 bytes");

  onnx::TensorProto negative;
  negative.set_data_type(onnx::TensorProto::FLOAT);
  negative.add_dims(-3);
  write_file_atomic(dir_ / "neg.pb", negative.SerializeAsString());
  expect_error_with([&] { read_tensor_pb(dir_ / "neg.pb"); }, "negative dimension");

  onnx::TensorProto huge;
  huge.set_data_type(onnx::TensorProto::FLOAT);
  for (int k = 0; k < 4; ++k) huge.add_dims(int64_t{1} << 20);
  write_file_atomic(dir_ / "huge.pb", huge.SerializeAsString());
  expect_error_with([&] { read_tensor_pb(dir_ / "huge.pb"); }, "too large");

  onnx::TensorProto strings;
  strings.set_data_type(onnx::TensorProto::STRING);
  strings.add_string_data("a");
  write_file_atomic(dir_ / "str.pb", strings.SerializeAsString());
  expect_error_with([&] { read_tensor_pb(dir_ / "str.pb"); }, "STRING is not supported");
}

TEST(HostTensor, OrtValueRoundTripAndView) {
  HostTensor t = test::random_tensor("x", DType::Float16, {2, 2}, 3);
  Ort::Value v = to_ort_value(t);
  HostTensor back = from_ort_value(v, "x");
  EXPECT_EQ(back.dtype, DType::Float16);
  EXPECT_EQ(back.shape, t.shape);
  EXPECT_EQ(back.data, t.data);

  HostTensor b = make_tensor("b", DType::Bool, {3}, {1, 0, 1});
  EXPECT_EQ(from_ort_value(to_ort_value(b), "b").data, b.data);

  HostTensor f = make_tensor("f", DType::Float32, {2}, {1, 2});
  Ort::Value view = ort_value_view(f);
  f.ptr<float>()[0] = 5;  // a view sees later writes: no copy was made
  EXPECT_EQ(from_ort_value(view, "f").at(0), 5.0);
}

TEST(HostTensor, RejectsSizeMismatchBeforeOrt) {
  HostTensor t("x", DType::Float32, {2});
  t.data.resize(3);
  EXPECT_THROW(to_ort_value(t), Error);
}

TEST(TensorDiff, RelativeToOutputScaleAndNanAware) {
  HostTensor a = make_tensor("a", DType::Float32, {3}, {100, 0, -50});
  HostTensor b = make_tensor("b", DType::Float32, {3}, {100, 0.001, -50});
  TensorDiff d = diff_tensors(a, b);
  EXPECT_NEAR(d.max_abs, 0.001, 1e-9);
  EXPECT_NEAR(d.max_rel, 0.001 / 100, 1e-9);
  HostTensor n1 = make_tensor("n", DType::Float32, {2}, {std::nan(""), 1});
  EXPECT_EQ(diff_tensors(n1, n1).max_abs, 0.0);
  HostTensor n2 = make_tensor("n", DType::Float32, {2}, {0, 1});
  EXPECT_TRUE(std::isinf(diff_tensors(n1, n2).max_rel));
  EXPECT_FALSE(diff_tensors(a, make_tensor("c", DType::Float32, {1, 3}, {100, 0, -50})).comparable);
  // numpy allclose semantics for the mismatch count
  EXPECT_EQ(diff_tensors(a, b, 1e-3, 1e-7).mismatches, 1);
  EXPECT_EQ(diff_tensors(a, b, 1e-3, 1e-2).mismatches, 0);
}

}  // namespace kiln
