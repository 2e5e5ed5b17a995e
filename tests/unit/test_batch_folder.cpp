// Folders of batches a user brings (--calibrate, --eval): .npz members by input name or position,
// labels, .pb for one input, truncation to a sample count, and one-line errors naming the file.
#include <gtest/gtest.h>
#include <zip.h>

#include <functional>

#include "common/error.h"
#include "data/batch_folder.h"
#include "../support/temp_dir.h"

namespace kiln {
namespace {

// An .npy payload as np.save writes it (version 1.0, header padded to 64 bytes).
std::string npy(const HostTensor& t) {
  const char* descr = t.dtype == DType::Float32 ? "<f4" : t.dtype == DType::Int64 ? "<i8" : t.dtype == DType::Int32 ? "<i4" : "|b1";
  std::string shape = "(";
  for (int64_t d : t.shape) shape += std::to_string(d) + ", ";
  shape += ")";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + t.data;
}

// np.savez: one stored .npy member per tensor, named after it.
void write_npz(const std::filesystem::path& path, const std::vector<HostTensor>& tensors) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  std::vector<std::string> payloads;
  payloads.reserve(tensors.size());
  for (const auto& t : tensors) {
    payloads.push_back(npy(t));
    zip_source_t* src = zip_source_buffer(z, payloads.back().data(), payloads.back().size(), 0);
    ASSERT_GE(zip_file_add(z, (t.name + ".npy").c_str(), src, ZIP_FL_OVERWRITE), 0);
  }
  ASSERT_EQ(zip_close(z), 0);
}

HostTensor filled(const std::string& name, DType dtype, Shape shape, double start = 0) {
  HostTensor t(name, dtype, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.set(i, start + static_cast<double>(i % 7));
  return t;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(BatchFolder, NpzMembersByNameOrPositionWithLabelsCutToTheSampleCount) {
  const auto dir = testing::fresh_temp_dir("batch_npz");
  write_npz(dir / "a.npz", {filled("mask", DType::Bool, {4, 6}), filled("ids", DType::Int64, {4, 6}),
                                   filled("labels", DType::Int32, {4})});
  write_npz(dir / "b.npz", {filled("arr_0", DType::Int64, {3, 5}, 1), filled("arr_1", DType::Bool, {3, 5}),
                                   filled("labels", DType::Int64, {3})});
  BatchFolder f = read_batch_folder(dir, {"ids", "mask"}, 6, "--eval");
  ASSERT_EQ(f.batches.size(), 2u);
  EXPECT_TRUE(f.labelled);
  EXPECT_EQ(f.samples, 6);
  EXPECT_EQ(f.batches[0].inputs[0].name, "ids");  // the model's order, not the file's
  EXPECT_EQ(f.batches[0].inputs[1].dtype, DType::Bool);
  EXPECT_EQ(f.batches[0].labels->dtype, DType::Int64);
  EXPECT_EQ(f.batches[1].samples, 2);  // 4 + 3 cut to 6
  EXPECT_EQ(f.batches[1].inputs[0].shape, (Shape{2, 5}));
  EXPECT_EQ(f.batches[1].inputs[0].at(0), 1);
  EXPECT_EQ(f.batches[1].labels->shape, (Shape{2}));
  check_batches(f, {parse_input_spec("ids:int64:n=2xseq=4"), parse_input_spec("mask:bool:n=2xseq=4")}, "--eval");
  EXPECT_EQ(read_batch_folder(dir, {"ids", "mask"}, 0, "--eval").samples, 7);
}

TEST(BatchFolder, PbFilesFeedOneInput) {
  const auto dir = testing::fresh_temp_dir("batch_pb");
  write_tensor_pb(filled("x", DType::Float32, {2, 3}), dir / "0.pb");
  write_tensor_pb(filled("x", DType::Float32, {5, 3}), dir / "1.pb");
  BatchFolder f = read_batch_folder(dir, {"image"}, 0, "--calibrate");
  EXPECT_EQ(f.samples, 7);
  EXPECT_FALSE(f.labelled);
  EXPECT_EQ(f.batches[1].inputs[0].name, "image");
  std::string m = error_of([&] { read_batch_folder(dir, {"a", "b"}, 0, "--calibrate"); });
  EXPECT_NE(m.find("a .pb holds one tensor and the model has 2 inputs"), std::string::npos) << m;
}

TEST(BatchFolder, WhatDoesNotFitIsOneLineNamingTheFile) {
  const auto dir = testing::fresh_temp_dir("batch_bad");
  auto expect = [&](const std::string& needle, const std::function<void()>& f) {
    std::string m = error_of(f);
    EXPECT_NE(m.find(needle), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  };
  expect("not a folder", [&] { read_batch_folder(dir / "missing", {"x"}, 0, "--eval"); });
  expect("holds no .npz or .pb", [&] { read_batch_folder(dir, {"x"}, 0, "--eval"); });

  write_npz(dir / "a.npz", {filled("x", DType::Float32, {2, 3}), filled("labels", DType::Int64, {3})});
  expect("a.npz: 3 labels for 2 samples", [&] { read_batch_folder(dir, {"x"}, 0, "--eval"); });
  write_npz(dir / "a.npz", {filled("x", DType::Float32, {2, 3}), filled("labels", DType::Float32, {2})});
  expect("labels must be integer class ids", [&] { read_batch_folder(dir, {"x"}, 0, "--eval"); });
  write_npz(dir / "a.npz", {filled("x", DType::Float32, {2, 3}), filled("extra", DType::Float32, {2})});
  expect("member 'extra' names no input", [&] { read_batch_folder(dir, {"x"}, 0, "--eval"); });
  write_npz(dir / "a.npz", {filled("y", DType::Float32, {2, 3})});
  expect("no member for input 'x' (members: y)", [&] { read_batch_folder(dir, {"x"}, 0, "--eval"); });
  write_npz(dir / "a.npz", {filled("x", DType::Float32, {2, 3}), filled("labels", DType::Int64, {2})});
  write_npz(dir / "b.npz", {filled("x", DType::Float32, {2, 3})});
  expect("b.npz: has no labels where", [&] { read_batch_folder(dir, {"x"}, 0, "--eval"); });
  std::filesystem::remove(dir / "b.npz");
  write_npz(dir / "a.npz", {filled("x", DType::Float32, {0, 3})});
  expect("an empty batch", [&] { read_batch_folder(dir, {"x"}, 0, "--eval"); });

  write_npz(dir / "a.npz", {filled("x", DType::Float32, {2, 3})});
  BatchFolder f = read_batch_folder(dir, {"x"}, 0, "--calibrate");
  expect("--calibrate " + (dir / "a.npz").string() + ": input 'x' is float32 and declared int64",
         [&] { check_batches(f, {parse_input_spec("x:int64:n=2x3")}, "--calibrate"); });
  expect("input 'x' dim 1 is 3 and declared static 4", [&] { check_batches(f, {parse_input_spec("x:float32:n=2x4")}, "--calibrate"); });
  expect("is 2x3 (2 dims) and declared 3 dims", [&] { check_batches(f, {parse_input_spec("x:float32:n=2x3x1")}, "--calibrate"); });
}

}  // namespace kiln
