// Each pass on small hand-built models: the rewrite happens where it should, the numbers in ONNX
// Runtime stay, and nothing happens where it must not.
#include <chrono>
#include <cmath>

#include <gtest/gtest.h>

#include "common/error.h"
#include "onnx/graph_edit.h"
#include "onnx/model_io.h"
#include "onnx_builders.h"
#include "optimize/optimizer.h"
#include "optimize/registry.h"

namespace kiln {

using test::add_float;
using test::add_int;
using test::add_ints;
using test::apply;
using test::count_ops;
using test::ModelBuilder;
using test::random_tensor;

namespace {

using test::F32;

struct ConvBn {
  int64_t c = 4, m = 6, group = 1, k = 3;
  DType dtype = F32;
  bool conv_bias = false;
  bool weights_as_constants = false;
  float eps = 1e-5f;
};

// X[N,c,8,8] → Conv → BatchNormalization → Y
ModelBuilder conv_bn(const ConvBn& o) {
  ModelBuilder b;
  b.input("X", o.dtype, {-1, o.c, 8, 8});
  auto add = [&](const HostTensor& t) {
    if (o.weights_as_constants)
      b.constant(t);
    else
      b.initializer(t);
  };
  add(random_tensor("W", o.dtype, {o.m, o.c / o.group, o.k, o.k}, 1));
  if (o.conv_bias) add(random_tensor("B", o.dtype, {o.m}, 2));
  add(random_tensor("scale", o.dtype, {o.m}, 3, 0.5, 2));
  add(random_tensor("bias", o.dtype, {o.m}, 4));
  add(random_tensor("mean", o.dtype, {o.m}, 5));
  add(random_tensor("var", o.dtype, {o.m}, 6, 0.01, 3));
  std::vector<std::string> conv_in = {"X", "W"};
  if (o.conv_bias) conv_in.push_back("B");
  auto& conv = b.node("Conv", conv_in, {"conv_out"});
  add_int(conv, "group", o.group);
  add_ints(conv, "pads", {1, 1, 1, 1});
  auto& bn = b.node("BatchNormalization", {"conv_out", "scale", "bias", "mean", "var"}, {"Y"});
  add_float(bn, "epsilon", o.eps);
  b.output("Y", o.dtype, {-1, o.m, 8, 8});
  return b;
}

std::vector<HostTensor> x_input(DType dtype, int64_t c, int64_t n = 2) {
  return {random_tensor("X", dtype, {n, c, 8, 8}, 99)};
}

// Runs both models on `inputs`, expects equal outputs within `rtol` (relative to output scale).
void expect_same(const onnx::ModelProto& a, const onnx::ModelProto& b,
                 const std::vector<HostTensor>& inputs, double rtol = 1e-5) {
  auto ra = test::run_model(a, inputs), rb = test::run_model(b, inputs);
  EXPECT_LE(test::max_rel_diff(ra, rb), rtol);
}

}  // namespace

// ---- fuse_bn_into_conv ----

TEST(GraphEdit, ReplaceUsesKeepsTheGraphsOutputNames) {
  // X is read by a node, handed out by an If branch, and is itself a graph output.
  ModelBuilder b(13);
  b.input("X", F32, {2});
  b.input("C", DType::Bool, {});
  b.node("Relu", {"X"}, {"A"});
  auto& iff = b.node("If", {"C"}, {"B"});
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto* a = iff.add_attribute();
    a->set_name(branch);
    a->set_type(onnx::AttributeProto::GRAPH);
    a->mutable_g()->set_name(branch);
    a->mutable_g()->add_output()->set_name("X");
  }
  b.output("A", F32, {2});
  b.output("X", F32, {2});
  b.output("B", F32, {2});
  replace_uses(b.graph(), "X", "Y");
  EXPECT_EQ(b.graph().node(0).input(0), "Y");
  EXPECT_EQ(b.graph().node(1).attribute(0).g().output(0).name(), "Y");
  EXPECT_EQ(b.graph().node(1).attribute(1).g().output(0).name(), "Y");
  EXPECT_EQ(b.graph().output(1).name(), "X");  // the interface keeps its name
}

TEST(FuseBnIntoConv, FusesAndKeepsNumbers) {
  for (bool constants : {false, true}) {
    for (bool bias : {false, true}) {
      ConvBn o;
      o.weights_as_constants = constants;
      o.conv_bias = bias;
      auto model = conv_bn(o).model();
      auto original = model;
      EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 1);
      EXPECT_EQ(count_ops(model, "BatchNormalization"), 0);
      EXPECT_EQ(count_ops(model, "Conv"), 1);
      EXPECT_EQ(count_ops(model, "Constant"), 0) << "old weights dropped";
      EXPECT_EQ(model.graph().output(0).name(), "Y");
      expect_same(original, model, x_input(F32, 4));
    }
  }
}

TEST(FuseBnIntoConv, GroupedAndDepthwiseAndDouble) {
  for (int64_t group : {2, 4}) {
    ConvBn o;
    o.c = 4;
    o.m = 8;
    o.group = group;
    o.conv_bias = true;
    auto model = conv_bn(o).model();
    auto original = model;
    EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 1);
    expect_same(original, model, x_input(F32, 4));
  }
  ConvBn d;  // ONNX Runtime's CPU provider has no double Conv: check the rewrite and validity
  d.dtype = DType::Float64;
  auto model = conv_bn(d).model();
  EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 1);
  EXPECT_EQ(model.graph().initializer(model.graph().initializer_size() - 1).data_type(),
            onnx::TensorProto::DOUBLE);
  EXPECT_NO_THROW(check_model(model, true, "double"));
}

TEST(FuseBnIntoConv, ComputesInDoubleThenRounds) {
  // scale/sqrt(var+eps) with tiny variance and a big epsilon: the fused weight must be the double
  // product rounded once.
  ConvBn o;
  o.eps = 1e-3f;
  o.m = 1;
  o.c = 1;
  auto b = conv_bn(o);
  auto model = b.model();
  ASSERT_EQ(apply(model, {"fuse_bn_into_conv"}), 1);
  auto get = [&](const onnx::ModelProto& m, const std::string& name) {
    for (const auto& t : m.graph().initializer())
      if (t.name() == name) return tensor_from_proto(t, name);
    return HostTensor();
  };
  const auto& orig = b.model();
  double s =
      get(orig, "scale").at(0) / std::sqrt(get(orig, "var").at(0) + static_cast<double>(1e-3f));
  HostTensor w = get(orig, "W"), fused = get(model, model.graph().node(0).input(1));
  ASSERT_EQ(fused.numel(), w.numel());
  for (int64_t i = 0; i < w.numel(); ++i)
    EXPECT_EQ(fused.at(i), static_cast<double>(static_cast<float>(w.at(i) * s)));
}

TEST(FuseBnIntoConv, Ir3ModelsListNewInitializersAsInputs) {
  // IR 3 (old PyTorch exports): every initializer is also a graph input, and stays a constant.
  ModelBuilder b(9, 3);
  b.input("X", F32, {-1, 2, 8, 8});
  for (auto t : {random_tensor("W", F32, {3, 2, 3, 3}, 1), random_tensor("s", F32, {3}, 2, 0.5, 2),
                 random_tensor("b", F32, {3}, 3), random_tensor("m", F32, {3}, 4),
                 random_tensor("v", F32, {3}, 5, 0.1, 2)}) {
    b.initializer(t);
    b.input(t.name, F32, t.shape);
  }
  b.node("Conv", {"X", "W"}, {"c"});
  b.node("BatchNormalization", {"c", "s", "b", "m", "v"}, {"Y"});
  b.output("Y", F32, {-1, 3, 6, 6});
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 1);
  EXPECT_EQ(model.graph().initializer_size(), 2);
  EXPECT_EQ(model.graph().input_size(), 3) << "X and the two new initializers";
  EXPECT_NO_THROW(check_model(model, true, "ir3"));
  expect_same(original, model, {random_tensor("X", F32, {2, 2, 8, 8}, 9)});
}

TEST(FuseBnIntoConv, ScalesAWeightOnlyItsConvReadsWhereItIs) {
  auto model = conv_bn({}).model();
  auto original = model;
  EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 1);
  ASSERT_EQ(model.graph().initializer_size(), 2) << "W, scaled in place, and the new bias";
  EXPECT_EQ(model.graph().initializer(0).name(), "W");
  EXPECT_NE(model.graph().initializer(0).raw_data(), original.graph().initializer(0).raw_data());
  EXPECT_EQ(model.graph().node(0).input(1), "W");
  expect_same(original, model, x_input(F32, 4));
}

TEST(FuseBnIntoConv, AWeightTwoConvsShareIsScaledForEachAlone) {
  // X → Conv(W) → BN(p) → Y and X → Conv(W) → BN(q) → Z: W must not be scaled in place for the
  // first fold while the second Conv still reads it.
  ModelBuilder b;
  b.input("X", F32, {-1, 4, 8, 8});
  b.initializer(random_tensor("W", F32, {6, 4, 3, 3}, 1));
  for (int k = 0; k < 2; ++k) {
    std::string p = k == 0 ? "p_" : "q_", out = k == 0 ? "Y" : "Z", conv = "conv" + std::to_string(k);
    b.initializer(random_tensor(p + "scale", F32, {6}, 10 + k, 0.5, 2));
    b.initializer(random_tensor(p + "bias", F32, {6}, 20 + k));
    b.initializer(random_tensor(p + "mean", F32, {6}, 30 + k));
    b.initializer(random_tensor(p + "var", F32, {6}, 40 + k, 0.01, 3));
    add_ints(b.node("Conv", {"X", "W"}, {conv}), "pads", {1, 1, 1, 1});
    b.node("BatchNormalization", {conv, p + "scale", p + "bias", p + "mean", p + "var"}, {out});
    b.output(out, F32, {-1, 6, 8, 8});
  }
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 2);
  EXPECT_EQ(count_ops(model, "BatchNormalization"), 0);
  expect_same(original, model, x_input(F32, 4));
}

TEST(ApplyPass, RunsOnePassOnceAndDropsWhatItRemovedFromValueInfo) {
  auto b = conv_bn({});
  auto* vi = b.graph().add_value_info();
  vi->set_name("conv_out");
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(static_cast<int32_t>(F32));
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply_pass(model, "fuse_bn_into_conv"), 1);
  EXPECT_EQ(model.graph().value_info_size(), 0) << "conv_out is no longer computed";
  EXPECT_EQ(apply_pass(model, "fuse_bn_into_conv"), 0);
  expect_same(original, model, x_input(F32, 4));
  EXPECT_THROW(apply_pass(model, "fuse_everything"), UsageError);
}

TEST(FuseBnIntoConv, LeavesWhatItMustNotTouch) {
  {  // conv output read twice
    auto b = conv_bn({});
    b.node("Relu", {"conv_out"}, {"R"});
    b.output("R");
    auto model = b.model();
    EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 0);
  }
  {  // conv output is a graph output
    auto b = conv_bn({});
    b.output("conv_out");
    auto model = b.model();
    EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 0);
  }
  {  // float16 is not folded
    ConvBn o;
    o.dtype = DType::Float16;
    auto model = conv_bn(o).model();
    EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 0);
  }
  {  // training mode
    auto b = conv_bn({});
    add_int(*b.graph().mutable_node(1), "training_mode", 1);
    auto model = b.model();
    EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 0);
  }
  {  // BN parameters that are graph inputs are not constants
    auto b = conv_bn({});
    b.input("mean", F32, {6});
    auto model = b.model();
    EXPECT_EQ(apply(model, {"fuse_bn_into_conv"}), 0);
  }
}

// ---- fuse_add_bias_into_conv ----

namespace {

ModelBuilder conv_add(const Shape& bias_shape, bool bias_first = false, bool conv_bias = false) {
  ModelBuilder b;
  b.input("X", F32, {-1, 4, 8, 8});
  b.initializer(random_tensor("W", F32, {6, 4, 3, 3}, 1));
  b.initializer(random_tensor("A", F32, bias_shape, 2));
  std::vector<std::string> in = {"X", "W"};
  if (conv_bias) {
    b.initializer(random_tensor("B0", F32, {6}, 3));
    in.push_back("B0");
  }
  b.node("Conv", in, {"c"});
  if (bias_first)
    b.node("Add", {"A", "c"}, {"Y"});
  else
    b.node("Add", {"c", "A"}, {"Y"});
  b.output("Y");
  return b;
}

}  // namespace

TEST(FuseAddBiasIntoConv, PerChannelShapes) {
  for (Shape s : {Shape{6, 1, 1}, Shape{1, 6, 1, 1}, Shape{1}, Shape{1, 1, 1, 1}}) {
    for (bool first : {false, true}) {
      for (bool conv_bias : {false, true}) {
        auto model = conv_add(s, first, conv_bias).model();
        auto original = model;
        EXPECT_EQ(apply(model, {"fuse_add_bias_into_conv"}), 1) << format_shape(s);
        EXPECT_EQ(count_ops(model, "Add"), 0);
        expect_same(original, model, x_input(F32, 4));
      }
    }
  }
}

TEST(FuseAddBiasIntoConv, RefusesNonChannelBroadcastAndSharedOutputs) {
  // A 1-D operand broadcasts along the last (width) axis, not the channels.
  for (Shape s : {Shape{8}, Shape{1, 6, 8, 8}, Shape{2, 6, 1, 1}, Shape{1, 1, 6, 1, 1}}) {
    auto model = conv_add(s).model();
    EXPECT_EQ(apply(model, {"fuse_add_bias_into_conv"}), 0) << format_shape(s);
  }
  auto b = conv_add({6, 1, 1});
  b.output("c");
  auto model = b.model();
  EXPECT_EQ(apply(model, {"fuse_add_bias_into_conv"}), 0);
  auto nonconst = conv_add({6, 1, 1});
  nonconst.input("A", F32, {6, 1, 1});
  model = nonconst.model();
  model.mutable_graph()->mutable_initializer()->RemoveLast();
  EXPECT_EQ(apply(model, {"fuse_add_bias_into_conv"}), 0);
}

// ---- eliminations ----

TEST(EliminateIdentity, RemovesAndKeepsOutputNames) {
  ModelBuilder b;
  b.input("X", F32, {2, 3});
  b.node("Identity", {"X"}, {"a"});
  b.node("Relu", {"a"}, {"r"});
  b.node("Identity", {"r"}, {"Y"});  // graph output: Relu is renamed to write Y
  b.output("Y", F32, {2, 3});
  auto model = b.model();
  EXPECT_EQ(apply(model, {"eliminate_identity"}), 2);
  ASSERT_EQ(model.graph().node_size(), 1);
  EXPECT_EQ(model.graph().node(0).input(0), "X");
  EXPECT_EQ(model.graph().node(0).output(0), "Y");
  EXPECT_EQ(model.graph().output(0).name(), "Y");
}

TEST(EliminateIdentity, KeepsInputToOutputIdentity) {
  ModelBuilder b;
  b.input("X", F32, {2});
  b.node("Identity", {"X"}, {"Y"});
  b.node("Relu", {"X"}, {"Z"});
  b.output("Y", F32, {2}).output("Z", F32, {2});
  auto model = b.model();
  EXPECT_EQ(apply(model, {"eliminate_identity"}), 0);
  // Both outputs read one producer: renaming would merge two interface names.
  ModelBuilder c;
  c.input("X", F32, {2});
  c.node("Relu", {"X"}, {"r"});
  c.node("Identity", {"r"}, {"Y"});
  c.output("Y", F32, {2}).output("r", F32, {2});
  model = c.model();
  EXPECT_EQ(apply(model, {"eliminate_identity"}), 0);
}

// Issue 33: the pass was quadratic (a rewrite and a re-index per node: 10k chained Identity nodes
// took 8 s, 100k never finished). A 100k chain is one sweep now: well under a second on a quiet
// machine; the bound here only catches a return of the quadratic pass on a loaded one.
TEST(EliminateIdentity, AHundredThousandChainIsLinear) {
  constexpr int kChain = 100000;
  ModelBuilder b;
  b.input("X", F32, {2});
  b.node("Relu", {"X"}, {"v0"});
  for (int i = 0; i < kChain; ++i)
    b.node("Identity", {"v" + std::to_string(i)}, {"v" + std::to_string(i + 1)});
  b.node("Identity", {"v" + std::to_string(kChain)}, {"Y"});  // the graph output's name stays
  b.output("Y", F32, {2});
  auto model = b.model();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(apply(model, {"eliminate_identity"}), kChain + 1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
  ASSERT_EQ(model.graph().node_size(), 1);
  EXPECT_EQ(model.graph().node(0).op_type(), "Relu");
  EXPECT_EQ(model.graph().node(0).input(0), "X");
  EXPECT_EQ(model.graph().node(0).output(0), "Y");
}

TEST(EliminateIdentity, ChainsInsideAndAcrossSubgraphsResolveToTheirStart) {
  // Outer: X → Identity a → Identity b; an If branch reads b and hands it out as its output.
  ModelBuilder b;
  b.input("X", F32, {2}).input("cond", DType::Bool, {});
  b.node("Identity", {"X"}, {"a"});
  b.node("Identity", {"a"}, {"b"});
  onnx::GraphProto then_g, else_g;
  then_g.set_name("then");
  then_g.add_output()->set_name("b");  // an outer value handed straight out
  else_g.set_name("else");
  auto* n = else_g.add_node();
  n->set_op_type("Relu");
  n->add_input("b");
  n->add_output("e");
  else_g.add_output()->set_name("e");
  auto& ifn = b.node("If", {"cond"}, {"Y"});
  for (auto [name, g] : {std::pair{"then_branch", &then_g}, std::pair{"else_branch", &else_g}}) {
    auto* a = ifn.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = *g;
  }
  b.output("Y", F32, {2});
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply(model, {"eliminate_identity"}), 2);
  ASSERT_EQ(model.graph().node_size(), 1);
  const auto& attrs = model.graph().node(0).attribute();
  EXPECT_EQ(attrs.Get(0).g().output(0).name(), "X");
  EXPECT_EQ(attrs.Get(1).g().node(0).input(0), "X");
}

TEST(EliminateDeadend, RemovesDeadChainsOnly) {
  ModelBuilder b;
  b.input("X", F32, {2});
  b.node("Relu", {"X"}, {"Y"});
  b.node("Neg", {"X"}, {"d1"});
  b.node("Exp", {"d1"}, {"d2"});  // dead chain of two
  b.output("Y", F32, {2});
  auto model = b.model();
  EXPECT_EQ(apply(model, {"eliminate_deadend"}), 2);
  EXPECT_EQ(model.graph().node_size(), 1);
  EXPECT_EQ(apply(model, {"eliminate_deadend"}), 0);
}

TEST(EliminateNopDropout, InferenceDropoutGoesTrainingStays) {
  ModelBuilder b;
  b.input("X", F32, {2});
  b.node("Relu", {"X"}, {"r"});
  b.node("Dropout", {"r"}, {"Y"});
  b.output("Y", F32, {2});
  auto model = b.model();
  EXPECT_EQ(apply(model, {"eliminate_nop_dropout"}), 1);
  EXPECT_EQ(count_ops(model, "Dropout"), 0);

  ModelBuilder t;
  t.input("X", F32, {2});
  t.initializer(make_tensor("ratio", F32, {}, {0.5}));
  t.initializer(make_tensor("train", DType::Bool, {}, {1}));
  t.node("Dropout", {"X", "ratio", "train"}, {"Y"});
  t.output("Y", F32, {2});
  model = t.model();
  EXPECT_EQ(apply(model, {"eliminate_nop_dropout"}), 0);

  ModelBuilder m;  // the mask is read
  m.input("X", F32, {2});
  m.node("Dropout", {"X"}, {"Y", "mask"});
  m.output("Y", F32, {2}).output("mask", DType::Bool, {2});
  model = m.model();
  EXPECT_EQ(apply(model, {"eliminate_nop_dropout"}), 0);
}

TEST(EliminateNopTransposeAndPad, OnlyTrueNoOps) {
  ModelBuilder b;
  b.input("X", F32, {2, 3});
  add_ints(b.node("Transpose", {"X"}, {"a"}), "perm", {0, 1});
  add_ints(b.node("Transpose", {"a"}, {"c"}), "perm", {1, 0});
  b.initializer(make_tensor("zero", DType::Int64, {4}, {0, 0, 0, 0}));
  b.initializer(make_tensor("one", DType::Int64, {4}, {0, 1, 0, 0}));
  b.node("Pad", {"c", "zero"}, {"d"});
  b.node("Pad", {"d", "one"}, {"Y"});
  b.output("Y");
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply(model, {"eliminate_nop_transpose"}), 1);
  EXPECT_EQ(count_ops(model, "Transpose"), 1);
  EXPECT_EQ(apply(model, {"eliminate_nop_pad"}), 1);
  EXPECT_EQ(count_ops(model, "Pad"), 1);
  expect_same(original, model, {random_tensor("X", F32, {2, 3}, 5)}, 0);
}

TEST(EliminateInitializers, UnusedAndDuplicates) {
  ModelBuilder b;
  b.input("X", F32, {3});
  b.initializer(make_tensor("a", F32, {3}, {1, 2, 3}));
  b.initializer(make_tensor("b", F32, {3}, {1, 2, 3}));     // duplicate of a
  b.initializer(make_tensor("c", F32, {1, 3}, {1, 2, 3}));  // same bytes, other shape
  b.initializer(make_tensor("unused", F32, {2}, {0, 0}));
  b.node("Add", {"X", "a"}, {"s"});
  b.node("Mul", {"s", "b"}, {"t"});
  b.node("Sub", {"t", "c"}, {"Y"});
  b.output("Y");
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply(model, {"eliminate_unused_initializer"}), 1);
  EXPECT_EQ(model.graph().initializer_size(), 3);
  EXPECT_EQ(apply(model, {"eliminate_duplicate_initializer"}), 1);
  EXPECT_EQ(model.graph().initializer_size(), 2);
  expect_same(original, model, {random_tensor("X", F32, {3}, 1)}, 0);
}

TEST(EliminateInitializers, OverridableDefaultsStayButIr3InputsGo) {
  ModelBuilder b(9, 4);  // IR 4: initializer listed as input = overridable default
  b.input("X", F32, {2}).input("d", F32, {2});
  b.initializer(make_tensor("d", F32, {2}, {1, 1}));
  b.node("Relu", {"X"}, {"Y"});
  b.output("Y", F32, {2});
  auto model = b.model();
  EXPECT_EQ(apply(model, {"eliminate_unused_initializer"}), 0);

  ModelBuilder old(9, 3);  // IR 3: every initializer is an input; unused ones go with their input
  old.input("X", F32, {2}).input("d", F32, {2});
  old.initializer(make_tensor("d", F32, {2}, {1, 1}));
  old.node("Relu", {"X"}, {"Y"});
  old.output("Y", F32, {2});
  model = old.model();
  EXPECT_EQ(apply(model, {"eliminate_unused_initializer"}), 1);
  EXPECT_EQ(model.graph().input_size(), 1);
  EXPECT_NO_THROW(check_model(model, true, "ir3"));
}

TEST(ExtractConstantToInitializer, MovesValues) {
  ModelBuilder b;
  b.input("X", F32, {2});
  b.constant(make_tensor("k", F32, {2}, {3, 4}));
  b.node("Mul", {"X", "k"}, {"Y"});
  b.output("Y");
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply(model, {"extract_constant_to_initializer"}), 1);
  EXPECT_EQ(count_ops(model, "Constant"), 0);
  ASSERT_EQ(model.graph().initializer_size(), 1);
  EXPECT_EQ(model.graph().initializer(0).name(), "k");
  expect_same(original, model, {random_tensor("X", F32, {2}, 1)}, 0);
}

// ---- MatMul/Gemm/Transpose ----

TEST(FuseMatmulAddBiasIntoGemm, FusesTwoDimensionalOnly) {
  for (Shape c : {Shape{5}, Shape{1, 5}, Shape{3, 5}, Shape{}}) {
    ModelBuilder b;
    b.input("A", F32, {3, 4});
    b.initializer(random_tensor("B", F32, {4, 5}, 1));
    b.initializer(random_tensor("C", F32, c, 2));
    b.node("MatMul", {"A", "B"}, {"m"});
    b.node("Add", {"m", "C"}, {"Y"});
    b.output("Y", F32, {3, 5});
    auto model = b.model();
    auto original = model;
    EXPECT_EQ(apply(model, {"fuse_matmul_add_bias_into_gemm"}), 1) << format_shape(c);
    EXPECT_EQ(count_ops(model, "Gemm"), 1);
    expect_same(original, model, {random_tensor("A", F32, {3, 4}, 3)});
  }
  ModelBuilder b3;  // batched MatMul is not a Gemm
  b3.input("A", F32, {2, 3, 4});
  b3.initializer(random_tensor("B", F32, {4, 5}, 1));
  b3.initializer(random_tensor("C", F32, {5}, 2));
  b3.node("MatMul", {"A", "B"}, {"m"});
  b3.node("Add", {"m", "C"}, {"Y"});
  b3.output("Y");
  auto model = b3.model();
  EXPECT_EQ(apply(model, {"fuse_matmul_add_bias_into_gemm"}), 0);
  ModelBuilder wide;  // C would grow the output
  wide.input("A", F32, {1, 4});
  wide.initializer(random_tensor("B", F32, {4, 5}, 1));
  wide.initializer(random_tensor("C", F32, {3, 5}, 2));
  wide.node("MatMul", {"A", "B"}, {"m"});
  wide.node("Add", {"m", "C"}, {"Y"});
  wide.output("Y");
  model = wide.model();
  EXPECT_EQ(apply(model, {"fuse_matmul_add_bias_into_gemm"}), 0);
}

TEST(FuseConsecutiveTransposes, ComposesPermutations) {
  ModelBuilder b;
  b.input("X", F32, {2, 3, 4, 5});
  add_ints(b.node("Transpose", {"X"}, {"t"}), "perm", {0, 2, 3, 1});
  add_ints(b.node("Transpose", {"t"}, {"Y"}), "perm", {3, 1, 0, 2});
  b.output("Y");
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply(model, {"fuse_consecutive_transposes"}), 1);
  EXPECT_EQ(count_ops(model, "Transpose"), 1);
  expect_same(original, model, {random_tensor("X", F32, {2, 3, 4, 5}, 1)}, 0);

  b.output("t");  // the middle value is read elsewhere
  model = b.model();
  EXPECT_EQ(apply(model, {"fuse_consecutive_transposes"}), 0);
}

TEST(FuseTransposeIntoGemm, FlipsTransFlags) {
  ModelBuilder b;
  b.input("A", F32, {4, 3});
  b.initializer(random_tensor("B", F32, {5, 4}, 1));
  add_ints(b.node("Transpose", {"A"}, {"at"}), "perm", {1, 0});
  b.node("Transpose", {"B"}, {"bt"});  // no perm: reverses a 2-D tensor
  auto& g = b.node("Gemm", {"at", "bt"}, {"Y"});
  add_int(g, "transB", 0);
  b.output("Y");
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply(model, {"fuse_transpose_into_gemm"}), 2);
  EXPECT_EQ(count_ops(model, "Transpose"), 0);
  expect_same(original, model, {random_tensor("A", F32, {4, 3}, 2)}, 0);
}

// ---- fuse_pad_into_conv ----

namespace {

ModelBuilder pad_conv(const std::vector<double>& pads, double value,
                      const std::string& mode = "constant") {
  ModelBuilder b;
  b.input("X", F32, {1, 2, 6, 6});
  b.initializer(make_tensor("pads", DType::Int64, {8}, pads));
  b.initializer(make_tensor("value", F32, {}, {value}));
  b.initializer(random_tensor("W", F32, {3, 2, 3, 3}, 1));
  auto& pad = b.node("Pad", {"X", "pads", "value"}, {"p"});
  auto* a = pad.add_attribute();
  a->set_name("mode");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(mode);
  add_ints(b.node("Conv", {"p", "W"}, {"Y"}), "pads", {1, 0, 0, 1});
  b.output("Y");
  return b;
}

}  // namespace

TEST(FusePadIntoConv, ZeroSpatialPadMoves) {
  auto model = pad_conv({0, 0, 1, 2, 0, 0, 3, 1}, 0).model();
  auto original = model;
  EXPECT_EQ(apply(model, {"fuse_pad_into_conv"}), 1);
  EXPECT_EQ(count_ops(model, "Pad"), 0);
  expect_same(original, model, {random_tensor("X", F32, {1, 2, 6, 6}, 2)});
}

TEST(FusePadIntoConv, RefusesValuesModesAndChannelPads) {
  auto nonzero = pad_conv({0, 0, 1, 1, 0, 0, 1, 1}, 0.5).model();
  EXPECT_EQ(apply(nonzero, {"fuse_pad_into_conv"}), 0);
  auto reflect = pad_conv({0, 0, 1, 1, 0, 0, 1, 1}, 0, "reflect").model();
  EXPECT_EQ(apply(reflect, {"fuse_pad_into_conv"}), 0);
  auto channel = pad_conv({0, 1, 1, 1, 0, 0, 1, 1}, 0).model();
  EXPECT_EQ(apply(channel, {"fuse_pad_into_conv"}), 0);
  auto crop = pad_conv({0, 0, -1, 0, 0, 0, 0, 0}, 0).model();
  EXPECT_EQ(apply(crop, {"fuse_pad_into_conv"}), 0);
}

// ---- fold_constants ----

TEST(FoldConstants, EvaluatesConstantSubgraphsInOrt) {
  ModelBuilder b;
  b.input("X", F32, {-1, 3});
  b.initializer(make_tensor("a", F32, {3}, {1, 2, 3}));
  b.constant(make_tensor("b", F32, {3}, {0.5, 0.25, 2}));
  b.node("Mul", {"a", "b"}, {"ab"});
  b.node("Sqrt", {"ab"}, {"s"});
  b.node("Add", {"X", "s"}, {"Y"});   // reads a graph input: stays
  b.node("Shape", {"X"}, {"shape"});  // runtime shape: stays
  b.output("Y").output("shape");
  auto model = b.model();
  auto original = model;
  EXPECT_EQ(apply(model, {"fold_constants"}), 2);
  EXPECT_EQ(count_ops(model, "Mul"), 0);
  EXPECT_EQ(count_ops(model, "Sqrt"), 0);
  EXPECT_EQ(count_ops(model, "Add"), 1);
  EXPECT_EQ(count_ops(model, "Constant"), 0) << "inputs nothing else reads are dropped";
  expect_same(original, model, {random_tensor("X", F32, {2, 3}, 1)}, 0);
}

TEST(FoldConstants, SkipsRandomOpsAndGraphOutputs) {
  ModelBuilder b;
  b.initializer(make_tensor("shape", DType::Int64, {1}, {4}));
  b.node("RandomUniformLike", {"shape"}, {"r"});
  b.initializer(make_tensor("a", F32, {1}, {2}));
  b.node("Neg", {"a"}, {"Y"});
  b.output("r").output("Y");
  auto model = b.model();
  EXPECT_EQ(apply(model, {"fold_constants"}), 0);
}

// ---- the driver ----

TEST(Optimizer, FixedPointCascades) {
  // Identity between Conv and BN blocks the fusion until eliminate_identity has run.
  auto b = conv_bn({});
  auto& bn = *b.graph().mutable_node(1);
  bn.set_input(0, "id");
  b.node("Identity", {"conv_out"}, {"id"});
  std::swap(*b.graph().mutable_node(1), *b.graph().mutable_node(2));
  auto model = b.model();
  auto once = model;
  auto original = model;
  EXPECT_EQ(apply(once, {"fuse_bn_into_conv", "eliminate_identity"}, false), 1);
  EXPECT_EQ(count_ops(once, "BatchNormalization"), 1);
  EXPECT_EQ(apply(model, {"fuse_bn_into_conv", "eliminate_identity"}, true), 2);
  EXPECT_EQ(count_ops(model, "BatchNormalization"), 0);
  expect_same(original, model, x_input(F32, 4));
}

TEST(Optimizer, DefaultListFusesAndKeepsInterface) {
  auto model = conv_bn({}).model();
  auto original = model;
  OptimizeResult r = optimize_model(model, {});
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.rewrites("fuse_bn_into_conv"), 1);
  EXPECT_LT(r.after.nodes, r.before.nodes);
  EXPECT_LT(r.after.initializers, r.before.initializers);
  EXPECT_EQ(model.graph().input(0).name(), "X");
  EXPECT_EQ(model.graph().output(0).name(), "Y");
  EXPECT_NO_THROW(check_model(model, true, "optimized"));
  expect_same(original, model, x_input(F32, 4, 3));
}

TEST(Optimizer, DescendsIntoIfBranches) {
  // then: Identity(outer Conv→BN result); else: Conv→BN inside the branch, reading outer weights.
  ConvBn o;
  auto b = conv_bn(o);
  b.input("cond", DType::Bool, {});
  onnx::GraphProto then_g, else_g;
  then_g.set_name("then");
  {
    auto* n = then_g.add_node();
    n->set_op_type("Identity");
    n->add_input("Y");
    n->add_output("t_out");
    then_g.add_output()->set_name("t_out");
  }
  else_g.set_name("else");
  {
    auto* c = else_g.add_node();
    c->set_op_type("Conv");
    c->add_input("X");
    c->add_input("W");
    c->add_output("e_conv");
    add_ints(*c, "pads", {1, 1, 1, 1});
    auto* n = else_g.add_node();
    n->set_op_type("BatchNormalization");
    for (const char* s : {"e_conv", "scale", "bias", "mean", "var"}) n->add_input(s);
    n->add_output("e_out");
    else_g.add_output()->set_name("e_out");
  }
  auto& ifn = b.node("If", {"cond"}, {"Z"});
  auto* a = ifn.add_attribute();
  a->set_name("then_branch");
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = then_g;
  a = ifn.add_attribute();
  a->set_name("else_branch");
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = else_g;
  b.output("Z");
  auto model = b.model();
  auto original = model;
  OptimizeOptions opt;
  opt.passes = {"fuse_bn_into_conv", "eliminate_identity"};
  OptimizeResult r = optimize_model(model, opt);
  EXPECT_EQ(r.rewrites("fuse_bn_into_conv"), 2);  // outer and inside else
  EXPECT_EQ(count_ops(model, "BatchNormalization"), 0);
  EXPECT_EQ(count_ops(model, "Identity"), 1) << "a branch output read from outer scope stays";
  for (bool cond : {true, false}) {
    std::vector<HostTensor> in = x_input(F32, 4);
    in.push_back(make_tensor("cond", DType::Bool, {}, {cond ? 1.0 : 0.0}));
    expect_same(original, model, in);
  }
}

TEST(Optimizer, UnknownPassIsAUsageError) {
  auto model = conv_bn({}).model();
  OptimizeOptions opt;
  opt.passes = {"fuse_everything"};
  EXPECT_THROW(optimize_model(model, opt), UsageError);
  EXPECT_EQ(all_passes().size(), 15u);
  for (const auto& name : default_pass_names()) EXPECT_NO_THROW(find_pass(name));
}

}  // namespace kiln
