// Trust boundaries for models kiln did not write (onnx/untrusted_model.h, docs/security.md):
// external data confined to the model's folder, declared sizes within KILN_MAX_TENSOR_BYTES,
// for every way a model is loaded (load_model, OrtSession from a file or from bytes).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "../support/temp_dir.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/tensor_limit.h"
#include "onnx/model_io.h"
#include "onnx/untrusted_model.h"
#include "onnx_builders.h"
#include "runtime/ort_session.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// y = x + W, where W (4 floats) lives in the external file `location`.
onnx::ModelProto external_model(const std::string& location) {
  test::ModelBuilder b(17, 8);
  b.input("x", DType::Float32, {4}).output("y", DType::Float32, {4});
  b.node("Add", {"x", "W"}, {"y"});
  auto* w = b.graph().add_initializer();
  w->set_name("W");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = w->add_external_data();
  kv->set_key("location");
  kv->set_value(location);
  return b.model();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

}  // namespace

TEST(UntrustedModel, ExternalDataInsideTheFolderLoadsAndRuns) {
  auto d = testing::fresh_temp_dir("ext_ok");
  float w[4] = {1, 2, 3, 4};
  write_file_atomic(d / "w.bin", std::string(reinterpret_cast<const char*>(w), sizeof w));
  save_model(external_model("w.bin"), d / "m.onnx");
  EXPECT_NO_THROW(load_model(d / "m.onnx"));
  // ONNX Runtime reads the data next to the model, not next to the working directory.
  auto session = OrtSession::from_file(d / "m.onnx");
  auto y = session.run({make_tensor("x", DType::Float32, {4}, {10, 10, 10, 10})});
  EXPECT_EQ(y[0].to_doubles(), (std::vector<double>{11, 12, 13, 14}));
  fs::remove_all(d);
}

TEST(UntrustedModel, ExternalDataOutsideTheFolderIsRefusedEverywhere) {
  auto d = testing::fresh_temp_dir("ext_bad");
  fs::create_directories(d / "model");
  write_file_atomic(d / "secret.bin", std::string(16, 'x'));
  fs::create_symlink(d / "secret.bin", d / "model" / "link.bin");
  const std::vector<std::pair<std::string, std::string>> cases{
      {(d / "secret.bin").string(), "absolute"},
      {"../secret.bin", "outside the model's folder"},
      {"link.bin", "resolves outside"},
      {"missing.bin", "is missing"},
      {"*/_ORT_MEM_ADDR_/*", "memory-address tag"},
  };
  for (const auto& [location, expected] : cases) {
    fs::path model = d / "model" / "m.onnx";
    save_model(external_model(location), model);
    EXPECT_NE(error_of([&] { load_model(model); }).find(expected), std::string::npos) << location;
    EXPECT_NE(error_of([&] { OrtSession::from_file(model); }).find(expected), std::string::npos)
        << location;
  }
  // A model held in memory has no folder: no external data at all.
  std::string bytes = serialize_model(external_model("w.bin"));
  EXPECT_NE(error_of([&] { OrtSession::from_bytes(bytes); }).find("read from memory"),
            std::string::npos);
  fs::remove_all(d);
}

TEST(UntrustedModel, AbsurdDeclaredSizesAreRefusedBeforeAllocation) {
  // An initializer declaring 2^40 floats with 16 bytes of data.
  test::ModelBuilder b(17, 8);
  b.input("x", DType::Float32, {1}).output("y");
  b.node("Add", {"x", "W"}, {"y"});
  auto* w = b.graph().add_initializer();
  w->set_name("W");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(int64_t{1} << 20);
  w->add_dims(int64_t{1} << 20);
  w->set_raw_data(std::string(16, '\0'));
  std::string bytes = serialize_model(b.model());
  EXPECT_NE(error_of([&] {
              OrtSession::from_bytes(bytes);
            }).find("tensor 'W': shape 1048576x1048576 is too large"),
            std::string::npos);
  // A static input of 10^15 floats.
  test::ModelBuilder huge(17, 8);
  huge.input("x", DType::Float32, {100000, 100000, 100000})
      .output("y", DType::Float32, {100000, 100000, 100000});
  huge.node("Relu", {"x"}, {"y"});
  EXPECT_NE(
      error_of([&] { check_untrusted_model(huge.model(), std::nullopt, "m"); }).find("input 'x'"),
      std::string::npos);
  // A wrapped-around product is still too large: 2^32 * 2^32 * 4 bytes overflows 64 bits.
  EXPECT_THROW(check_tensor_size({int64_t{1} << 32, int64_t{1} << 32}, 4, "t"), Error);
  EXPECT_NO_THROW(check_tensor_size({int64_t{1} << 40, 0}, 4, "t"));  // empty
}

TEST(UntrustedModel, TheLimitIsConfigurable) {
  EXPECT_EQ(max_tensor_bytes(), kDefaultMaxTensorBytes);
  {
    ScopedEnv env("KILN_MAX_TENSOR_BYTES", "1000");
    EXPECT_EQ(max_tensor_bytes(), 1000u);
    EXPECT_NO_THROW(check_tensor_size({250}, 4, "t"));
    EXPECT_THROW(check_tensor_size({251}, 4, "t"), Error);
    EXPECT_THROW(HostTensor("x", DType::Float32, {251}), Error);  // generated inputs too
  }
  {
    ScopedEnv env("KILN_MAX_TENSOR_BYTES", "lots");
    EXPECT_THROW(max_tensor_bytes(), UsageError);
  }
}

}  // namespace kiln
