// --example's two halves without LibTorch: NumPy's .npy payloads, and matching a file's tensors to
// the declared input specs (names, dtypes, static dims, the second size by tiling).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>
#include <functional>

#include "common/error.h"
#include "runtime/example_inputs.h"
#include "runtime/input_spec.h"
#include "tensor/numpy_file.h"

namespace kiln {
namespace {

// An .npy v1.0 file as np.save writes it: magic, version, header padded to 64 bytes, data.
std::string npy_bytes(const std::string& descr, const std::string& shape, const std::string& data, bool fortran = false) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

template <class T>
std::string raw(std::initializer_list<T> values) {
  std::string s(values.size() * sizeof(T), '\0');
  std::memcpy(s.data(), std::data(values), s.size());
  return s;
}

// `call` must throw kiln::Error: one line that starts with "`file`: " and holds `needle`.
void expect_file_error(const std::function<void()>& call, const std::string& file, const std::string& needle) {
  try {
    call();
    ADD_FAILURE() << "accepted; expected " << needle;
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(m.rfind(file + ": ", 0), 0u) << m;
    EXPECT_NE(m.find(needle), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

HostTensor int_tensor(const std::string& name, Shape shape) {
  HostTensor t(name, DType::Int64, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.set(i, static_cast<double>(i));
  return t;
}

}  // namespace

TEST(NumpyFile, ParsesWhatNpSaveWrites) {
  HostTensor f = parse_npy(npy_bytes("<f4", "(2, 3)", raw<float>({1, 2, 3, 4, 5, 6})), "x", "x.npy");
  EXPECT_EQ(f.dtype, DType::Float32);
  EXPECT_EQ(f.shape, (Shape{2, 3}));
  EXPECT_EQ(f.at(5), 6);
  HostTensor i = parse_npy(npy_bytes("<i8", "(3,)", raw<int64_t>({7, -1, 1LL << 40})), "ids", "ids.npy");
  EXPECT_EQ(i.dtype, DType::Int64);
  EXPECT_EQ(i.at(2), static_cast<double>(1LL << 40));
  HostTensor b = parse_npy(npy_bytes("|b1", "(2,)", std::string("\x01\x00", 2)), "m", "m.npy");
  EXPECT_EQ(b.dtype, DType::Bool);
  EXPECT_EQ(b.at(0), 1);
  HostTensor scalar = parse_npy(npy_bytes("<f8", "()", raw<double>({2.5})), "s", "s.npy");
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.at(0), 2.5);
  EXPECT_EQ(parse_npy(npy_bytes("|u1", "(0, 4)", ""), "e", "e.npy").numel(), 0);
}

TEST(NumpyFile, RefusesWhatItCannotHoldInOneLineNamingTheFile) {
  auto message = [](const std::string& bytes) {
    try {
      parse_npy(bytes, "a", "bad.npy");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  for (const std::string& bytes : {std::string("not numpy"), npy_bytes(">f4", "(1,)", raw<float>({1})),
                                   npy_bytes("<f4", "(2,)", raw<float>({1}), false), npy_bytes("<f4", "(1,)", raw<float>({1}), true),
                                   npy_bytes("|O", "(1,)", "xxxxxxxx"), npy_bytes("<c8", "(1,)", raw<float>({1, 2})),
                                   npy_bytes("<f4", "(a, b)", ""), npy_bytes("<f4", "(1,)", raw<float>({1})).substr(0, 12)}) {
    std::string m = message(bytes);
    EXPECT_EQ(m.rfind("bad.npy: ", 0), 0u) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  EXPECT_NE(message(npy_bytes(">f4", "(1,)", raw<float>({1}))).find("big-endian"), std::string::npos);
  EXPECT_NE(message(npy_bytes("<f4", "(1,)", raw<float>({1}), true)).find("Fortran"), std::string::npos);
}

TEST(ExampleInputs, NamedTensorsMatchByNameAndTakeTheirSizes) {
  std::vector<InputSpec> specs{parse_input_spec("ids:int64:batch=1xseq=8"), parse_input_spec("mask:bool:batch=1xseq=8")};
  HostTensor mask("mask", DType::Bool, {3, 5});
  auto set = match_example_inputs(specs, {mask, int_tensor("ids", {3, 5})}, "ex.pt");
  ASSERT_EQ(set.first.size(), 2u);
  EXPECT_EQ(set.first[0].name, "ids");
  EXPECT_EQ(set.first[0].shape, (Shape{3, 5}));
  EXPECT_EQ(set.specs[0].dims[1].size, 5);
  // second sizes default to twice the file's, by tiling: element k is element k mod n
  EXPECT_EQ(set.second[0].shape, (Shape{6, 10}));
  EXPECT_EQ(set.second[0].at(7), set.first[0].at(2));
  EXPECT_EQ(set.second[0].at(10 * 4 + 3), set.first[0].at(5 + 3));
  EXPECT_EQ(set.second[1].shape, (Shape{6, 10}));
}

TEST(ExampleInputs, PositionalAndNpSavezNamesAndAnExplicitSecondSize) {
  std::vector<InputSpec> specs{parse_input_spec("x:float32:n=2/3x4")};
  HostTensor x("", DType::Float32, {5, 4});
  auto set = match_example_inputs(specs, {x}, "ex.npy");
  EXPECT_EQ(set.first[0].name, "x");
  EXPECT_EQ(set.second[0].shape, (Shape{3, 4}));  // the declared second size, even below the file's
  HostTensor arr0("arr_0", DType::Float32, {2, 4});
  EXPECT_EQ(match_example_inputs(specs, {arr0}, "ex.npz").first[0].shape, (Shape{2, 4}));
}

TEST(ExampleInputs, DisagreementsAreOneLineErrorsNamingTheFileAndTheInput) {
  std::vector<InputSpec> specs{parse_input_spec("ids:int64:batch=2xseq=8"), parse_input_spec("mask:int64:batch=2xseq=8")};
  auto expect_error = [&](std::vector<HostTensor> loaded, const std::string& needle) {
    expect_file_error([&] { match_example_inputs(specs, std::move(loaded), "ex.pt"); }, "ex.pt", needle);
  };
  expect_error({int_tensor("ids", {2, 8})}, "1 tensors for 2 declared inputs");
  expect_error({int_tensor("ids", {2, 8}), int_tensor("attention", {2, 8})}, "no tensor named 'mask'");
  expect_error({int_tensor("ids", {2, 8}), HostTensor("mask", DType::Float32, {2, 8})}, "is float32 in the file and declared int64");
  expect_error({int_tensor("ids", {2, 8}), int_tensor("mask", {2, 8, 1})}, "has 3 dims");
  expect_error({int_tensor("ids", {2, 8}), int_tensor("mask", {2, 9})}, "dim 'seq' is 8 in one input and 9");
  expect_error({int_tensor("ids", {0, 8}), int_tensor("mask", {0, 8})}, "is empty in the file");
  std::vector<InputSpec> fixed{parse_input_spec("x:float32:n=2x4")};
  EXPECT_THROW(match_example_inputs(fixed, {HostTensor("x", DType::Float32, {2, 5})}, "ex.pt"), Error);
  std::vector<InputSpec> same{parse_input_spec("x:float32:n=2/3x4")};
  EXPECT_THROW(match_example_inputs(same, {HostTensor("x", DType::Float32, {3, 4})}, "ex.pt"), Error);
}

TEST(ExampleInputs, ASecondExampleSetsTheSecondSizesInsteadOfTiling) {
  std::vector<InputSpec> specs{parse_input_spec("image:float32:3xh=64xw=80")};
  auto set = match_example_inputs(specs, {HostTensor("", DType::Float32, {3, 64, 80})}, "a.npy");
  HostTensor b("", DType::Float32, {3, 72, 96});
  for (int64_t i = 0; i < b.numel(); ++i) b.set(i, 0.5);
  use_second_example(set, {b}, "b.npy");
  EXPECT_EQ(set.specs[0].dims[1].second, 72);
  EXPECT_EQ(set.specs[0].dims[2].second, 96);
  EXPECT_EQ(set.specs[0].dims[1].size, 64);  // the example size stays the first file's
  ASSERT_EQ(set.second.size(), 1u);
  EXPECT_EQ(set.second[0].name, "image");
  EXPECT_EQ(set.second[0].shape, (Shape{3, 72, 96}));
  EXPECT_EQ(set.second[0].at(0), 0.5);  // the file's values, not the example tiled
}

TEST(ExampleInputs, ASecondExampleThatCannotBeTheSecondSizeIsAnErrorNamingItsFile) {
  std::vector<InputSpec> specs{parse_input_spec("ids:int64:batch=2xseq=8/12"), parse_input_spec("mask:int64:batch=2xseq=8/12")};
  auto expect_error = [&](std::vector<HostTensor> loaded, const std::string& needle) {
    auto set = match_example_inputs(specs, {int_tensor("ids", {2, 8}), int_tensor("mask", {2, 8})}, "a.pt");
    expect_file_error([&] { use_second_example(set, std::move(loaded), "b.pt"); }, "b.pt", needle);
  };
  expect_error({int_tensor("ids", {3, 12}), int_tensor("mask", {3, 13})}, "dim 'seq' is 12 in one input and 13");
  expect_error({int_tensor("ids", {2, 12}), int_tensor("mask", {2, 12})}, "dim 'batch' is 2 here as in the example");
  expect_error({int_tensor("ids", {3, 10}), int_tensor("mask", {3, 10})}, "dim 'seq' is 10 here and declared 8/12");
  expect_error({int_tensor("ids", {3, 12}), HostTensor("mask", DType::Float32, {3, 12})}, "is float32 in the file");
  expect_error({int_tensor("ids", {3, 12})}, "1 tensors for 2 declared inputs");
  // the declared second size, met
  auto set = match_example_inputs(specs, {int_tensor("ids", {2, 8}), int_tensor("mask", {2, 8})}, "a.pt");
  use_second_example(set, {int_tensor("ids", {3, 12}), int_tensor("mask", {3, 12})}, "b.pt");
  EXPECT_EQ(set.second[1].shape, (Shape{3, 12}));
}

RC_GTEST_PROP(ExampleInputs, TilingRepeatsEveryRowInOrder, ()) {
  Shape shape = *rc::gen::container<Shape>(*rc::gen::inRange<size_t>(1, 4), rc::gen::inRange<int64_t>(1, 5));
  size_t dim = *rc::gen::inRange<size_t>(0, shape.size());
  int64_t size = *rc::gen::inRange<int64_t>(1, 12);
  HostTensor t = int_tensor("t", shape);
  HostTensor tiled = tile_dim(t, dim, size);
  RC_ASSERT(tiled.shape[dim] == size);
  // every output element equals the input element at the same index with index[dim] mod n
  for (int64_t flat = 0; flat < tiled.numel(); ++flat) {
    int64_t rest = flat, source = 0, stride = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      int64_t i = rest % tiled.shape[d];
      rest /= tiled.shape[d];
      source += (d == dim ? i % shape[d] : i) * stride;
      stride *= shape[d];
    }
    RC_ASSERT(tiled.at(flat) == t.at(source));
  }
}

}  // namespace kiln
