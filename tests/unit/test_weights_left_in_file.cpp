#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "../support/temp_dir.h"
#include "common/error.h"
#include "onnx/model_io.h"
#include "onnx/weights_left_in_file.h"
#include "onnx_builders.h"
#include "runtime/ort_session.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string external(const onnx::TensorProto& t, const std::string& key) {
  for (const auto& kv : t.external_data())
    if (kv.key() == key) return kv.value();
  return "";
}

// X[2,64] → MatMul W[64,64] (16 KiB) → Add b[64] → Mul s (a 4-element Constant) → Y; a model
// with a large and a small initializer, a Constant node and metadata around the graph.
onnx::ModelProto matmul_model() {
  test::ModelBuilder b;
  b.input("X", DType::Float32, {-1, 64});
  b.initializer(test::random_tensor("W", DType::Float32, {64, 64}, 1));
  b.initializer(test::random_tensor("b", DType::Float32, {64}, 2));
  b.constant(test::random_tensor("s", DType::Float32, {1}, 3));
  b.node("MatMul", {"X", "W"}, {"xw"});
  b.node("Add", {"xw", "b"}, {"y0"});
  b.node("Mul", {"y0", "s"}, {"Y"});
  b.output("Y", DType::Float32, {-1, 64});
  auto model = b.model();
  model.set_producer_name("kiln-test");
  auto* meta = model.add_metadata_props();
  meta->set_key("k");
  meta->set_value("v");
  return model;
}

}  // namespace

TEST(WeightsLeftInFile, LargeInitializersPointAtTheirOwnBytesAndTheRestIsRead) {
  auto dir = testing::fresh_temp_dir("weights-left");
  const fs::path path = dir / "m.onnx";
  const auto model = matmul_model();
  save_model(model, path);
  const std::string bytes = file_bytes(path);

  auto stub = load_model_weights_left_in_file(path, /*min_bytes=*/1024);
  ASSERT_EQ(stub.graph().initializer_size(), 2);
  const auto& w = stub.graph().initializer(0);
  EXPECT_EQ(w.name(), "W");
  EXPECT_EQ(w.data_location(), onnx::TensorProto::EXTERNAL);
  EXPECT_FALSE(w.has_raw_data());
  EXPECT_EQ(external(w, "location"), "m.onnx");
  const size_t offset = std::stoull(external(w, "offset")),
               length = std::stoull(external(w, "length"));
  ASSERT_EQ(length, 64u * 64u * 4u);
  ASSERT_LE(offset + length, bytes.size());
  EXPECT_EQ(bytes.substr(offset, length), model.graph().initializer(0).raw_data())
      << "the bytes at the offset are W's";
  const auto& small = stub.graph().initializer(1);  // 256 bytes: read in
  EXPECT_EQ(small.data_location(), onnx::TensorProto::DEFAULT);
  EXPECT_EQ(small.raw_data(), model.graph().initializer(1).raw_data());

  // Everything else is the file's: with W's bytes put back, the model is the one written.
  auto back = stub;
  auto* wb = back.mutable_graph()->mutable_initializer(0);
  wb->clear_external_data();
  wb->clear_data_location();
  wb->set_raw_data(bytes.substr(offset, length));
  EXPECT_EQ(back.SerializeAsString(), model.SerializeAsString());

  // All of them in the file when the threshold is 0.
  auto all = load_model_weights_left_in_file(path, 0);
  EXPECT_EQ(all.graph().initializer(1).data_location(), onnx::TensorProto::EXTERNAL);
  fs::remove_all(dir);
}

TEST(WeightsLeftInFile, OnnxRuntimeReadsThemFromTheFileAndComputesTheSame) {
  auto dir = testing::fresh_temp_dir("weights-left-ort");
  const fs::path path = dir / "m.onnx";
  save_model(matmul_model(), path);
  auto x = test::random_tensor("X", DType::Float32, {3, 64}, 7);
  // from_file (a user's model: validate, compare, bench) reads its weights from the file too; a
  // symlink to the model takes the whole-file way (its folder is not the file's).
  fs::create_symlink(path, dir / "link.onnx");
  for (auto level : {GraphOptLevel::Disable, GraphOptLevel::All}) {
    SessionOptions so;
    so.optimization = level;
    auto whole = OrtSession::from_bytes(file_bytes(path), so, "m").run({x});
    ASSERT_EQ(whole.size(), 1u);
    for (auto* open : {&OrtSession::from_own_file, &OrtSession::from_file}) {
      auto got = open(path, so).run({x});
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0].data, whole[0].data) << "bit for bit, optimizations " << to_string(level);
    }
    auto linked = OrtSession::from_file(dir / "link.onnx", so).run({x});
    EXPECT_EQ(linked[0].data, whole[0].data);
  }
  fs::remove_all(dir);
}

TEST(WeightsLeftInFile, ANonModelOrMissingFileIsAOneLineError) {
  auto dir = testing::fresh_temp_dir("weights-left-bad");
  {
    std::ofstream out(dir / "junk.onnx", std::ios::binary);
    out << std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11);
  }
  {  // a model cut short inside W's bytes: the skip runs past the end of the file
    save_model(matmul_model(), dir / "whole.onnx");
    std::string bytes = file_bytes(dir / "whole.onnx");
    std::ofstream out(dir / "cut.onnx", std::ios::binary);
    out << bytes.substr(0, bytes.size() / 2);
  }
  for (const char* name : {"junk.onnx", "missing.onnx", "cut.onnx"}) {
    try {
      load_model_weights_left_in_file(dir / name);
      ADD_FAILURE() << name << " was read";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(name), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
    // A user's file of the kind: one line naming it (ONNX Runtime's message, or kiln's).
    try {
      OrtSession::from_file(dir / name);
      ADD_FAILURE() << name << " opened";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(name), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
  fs::remove_all(dir);
}

}  // namespace kiln
