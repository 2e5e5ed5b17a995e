// Property tests: generated Conv/BN/Add/Pad and MatMul/Add/Transpose chains with random shapes,
// groups, epsilons and weight placements; every pass to a fixed point; fused and unfused models
// must agree in ONNX Runtime and the fusions must have happened.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "onnx_builders.h"
#include "optimize/optimizer.h"
#include "optimize/registry.h"

namespace kiln {

using test::add_float;
using test::add_int;
using test::add_ints;
using test::count_ops;
using test::random_tensor;

namespace {

constexpr double kTolerance = 1e-5;

// Max |a − b| relative to max(max |a|, 1). Inputs and weights are O(1), so a floor of 1 keeps
// float32 cancellation (a single output element summing terms of size ~1 to ~0.01, where both
// models round differently) from reading as a fusion error; a wrong fusion moves outputs by O(1).
double rel_error(const std::vector<HostTensor>& a, const std::vector<HostTensor>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double scale = 1, diff = 0;
    for (int64_t j = 0; j < a[i].numel(); ++j) {
      scale = std::max(scale, std::fabs(a[i].at(j)));
      diff = std::max(diff, std::fabs(a[i].at(j) - b[i].at(j)));
    }
    worst = std::max(worst, std::isnan(diff) ? 1e300 : diff / scale);
  }
  return a.size() == b.size() ? worst : 1e300;
}

OptimizeResult optimize_all(onnx::ModelProto& model) {
  OptimizeOptions o;
  o.passes = all_pass_names();
  return optimize_model(model, o);
}

}  // namespace

RC_GTEST_PROP(FusionProperties, ConvBnAddChainsKeepTheirNumbers, ()) {
  const int64_t group = *rc::gen::inRange<int64_t>(1, 4);
  const int64_t cin = group * *rc::gen::inRange<int64_t>(1, 4);
  const int64_t m = group * *rc::gen::inRange<int64_t>(1, 4);
  const int64_t k = *rc::gen::inRange<int64_t>(1, 4);
  const int64_t h = *rc::gen::inRange<int64_t>(k, 9), w = *rc::gen::inRange<int64_t>(k, 9);
  const int64_t n = *rc::gen::inRange<int64_t>(1, 3);
  const bool conv_bias = *rc::gen::arbitrary<bool>();
  const bool constants = *rc::gen::arbitrary<bool>();
  const bool add_bias = *rc::gen::arbitrary<bool>();
  const bool pad = *rc::gen::arbitrary<bool>();
  const int eps_exp = *rc::gen::inRange(1, 7);
  const float eps = static_cast<float>(std::pow(10.0, -eps_exp));
  const uint64_t seed = *rc::gen::inRange<uint64_t>(0, 1000000);

  test::ModelBuilder b;
  b.input("X", DType::Float32, {-1, cin, h, w});
  auto add = [&](const HostTensor& t) {
    if (constants)
      b.constant(t);
    else
      b.initializer(t);
  };
  add(random_tensor("W", DType::Float32, {m, cin / group, k, k}, seed));
  add(random_tensor("scale", DType::Float32, {m}, seed + 1, -2, 2));
  add(random_tensor("bn_bias", DType::Float32, {m}, seed + 2));
  add(random_tensor("mean", DType::Float32, {m}, seed + 3));
  add(random_tensor("var", DType::Float32, {m}, seed + 4, 0.05, 4));
  std::string x = "X";
  if (pad) {
    b.initializer(make_tensor("pads", DType::Int64, {8}, {0, 0, 1, 0, 0, 0, 0, 2}));
    b.node("Pad", {"X", "pads"}, {"padded"});
    x = "padded";
  }
  std::vector<std::string> conv_in = {x, "W"};
  if (conv_bias) {
    add(random_tensor("B", DType::Float32, {m}, seed + 5));
    conv_in.push_back("B");
  }
  auto& conv = b.node("Conv", conv_in, {"c"});
  add_int(conv, "group", group);
  add_float(b.node("BatchNormalization", {"c", "scale", "bn_bias", "mean", "var"}, {"bn"}),
            "epsilon", eps);
  std::string y = "bn";
  if (add_bias) {
    b.initializer(random_tensor("extra", DType::Float32, {m, 1, 1}, seed + 6));
    b.node("Add", {"bn", "extra"}, {"biased"});
    y = "biased";
  }
  b.node("Relu", {y}, {"Y"});
  b.output("Y");

  auto model = b.model();
  auto original = model;
  optimize_all(model);
  RC_ASSERT(count_ops(model, "BatchNormalization") == 0);
  RC_ASSERT(count_ops(model, "Add") == 0);
  RC_ASSERT(count_ops(model, "Pad") == 0);
  auto in = std::vector<HostTensor>{random_tensor("X", DType::Float32, {n, cin, h, w}, seed + 7)};
  double rel = rel_error(test::run_model(original, in), test::run_model(model, in));
  RC_ASSERT(rel <= kTolerance);
}

RC_GTEST_PROP(FusionProperties, MatMulAddTransposeChainsKeepTheirNumbers, ()) {
  const int64_t mdim = *rc::gen::inRange<int64_t>(1, 6), kdim = *rc::gen::inRange<int64_t>(1, 6),
                ndim = *rc::gen::inRange<int64_t>(1, 6);
  const bool transpose_a = *rc::gen::arbitrary<bool>();
  const bool transpose_b = *rc::gen::arbitrary<bool>();
  const int c_kind = *rc::gen::inRange(0, 4);  // [N], [1,N], [M,N], scalar
  const uint64_t seed = *rc::gen::inRange<uint64_t>(0, 1000000);
  // perms for a 4-D Transpose pair after the Gemm
  const auto p1 = *rc::gen::elementOf(std::vector<std::vector<int64_t>>{
      {0, 1, 2, 3}, {1, 0, 2, 3}, {2, 3, 0, 1}, {3, 2, 1, 0}, {0, 2, 3, 1}});
  const auto p2 = *rc::gen::elementOf(
      std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {1, 0, 3, 2}, {3, 0, 1, 2}, {0, 3, 1, 2}});

  test::ModelBuilder b;
  b.input("A", DType::Float32, transpose_a ? Shape{kdim, mdim} : Shape{mdim, kdim});
  b.initializer(random_tensor("B", DType::Float32,
                              transpose_b ? Shape{ndim, kdim} : Shape{kdim, ndim}, seed));
  Shape c_shape = c_kind == 0   ? Shape{ndim}
                  : c_kind == 1 ? Shape{1, ndim}
                  : c_kind == 2 ? Shape{mdim, ndim}
                                : Shape{};
  b.initializer(random_tensor("C", DType::Float32, c_shape, seed + 1));
  std::string a = "A", bb = "B";
  if (transpose_a) {
    add_ints(b.node("Transpose", {"A"}, {"At"}), "perm", {1, 0});
    a = "At";
  }
  if (transpose_b) {
    add_ints(b.node("Transpose", {"B"}, {"Bt"}), "perm", {1, 0});
    bb = "Bt";
  }
  b.node("MatMul", {a, bb}, {"mm"});
  b.node("Add", {"mm", "C"}, {"g"});
  b.initializer(make_tensor("shape4", DType::Int64, {4},
                            {1, static_cast<double>(mdim), 1, static_cast<double>(ndim)}));
  b.node("Reshape", {"g", "shape4"}, {"r4"});
  add_ints(b.node("Transpose", {"r4"}, {"t1"}), "perm", p1);
  add_ints(b.node("Transpose", {"t1"}, {"Y"}), "perm", p2);
  b.output("Y");

  auto model = b.model();
  auto original = model;
  optimize_all(model);
  RC_ASSERT(count_ops(model, "MatMul") == 0);
  RC_ASSERT(count_ops(model, "Transpose") <=
            1);  // the pair merged (or vanished), A/B transposes absorbed
  auto in = std::vector<HostTensor>{random_tensor(
      "A", DType::Float32, transpose_a ? Shape{kdim, mdim} : Shape{mdim, kdim}, seed + 2)};
  double rel = rel_error(test::run_model(original, in), test::run_model(model, in));
  RC_ASSERT(rel <= kTolerance);
}

}  // namespace kiln
