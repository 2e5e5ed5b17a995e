// Trust boundaries for models kiln did not write (onnx/untrusted_model.h, docs/security.md):
// external data confined to the model's folder, declared sizes within KILN_MAX_TENSOR_BYTES,
// for every way a model is loaded (load_model, OrtSession from a file or from bytes).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>

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

namespace {

// Every way a model is opened (ONNX Runtime from bytes, load_model from a file) refuses `m` with a
// message containing `part`, before ONNX Runtime resolves its graph.
void expect_refused_when_opened(const onnx::ModelProto& m, const std::string& part,
                                const std::string& tag) {
  const std::string bytes = serialize_model(m);
  EXPECT_NE(error_of([&] { OrtSession::from_bytes(bytes); }).find(part), std::string::npos);
  auto d = testing::fresh_temp_dir(tag);
  write_file_atomic(d / "m.onnx", bytes);
  EXPECT_NE(error_of([&] { load_model(d / "m.onnx"); }).find(part), std::string::npos);
  fs::remove_all(d);
}

// An If on `cond` writing `out`; both branches are the graph `body` fills (writing "t"), which may
// read the outer graph's values.
void add_if(test::ModelBuilder& b, const std::string& cond, const std::string& out, int64_t opset,
            const std::function<void(test::ModelBuilder&)>& body) {
  auto& n = b.node("If", {cond}, {out});
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto* a = n.add_attribute();
    a->set_name(branch);
    a->set_type(onnx::AttributeProto::GRAPH);
    test::ModelBuilder sub(opset, 8);
    sub.output("t");
    body(sub);
    *a->mutable_g() = sub.graph();
  }
}

onnx::NodeProto& einsum(test::ModelBuilder& b, const std::string& equation,
                        const std::vector<std::string>& inputs, const std::string& output) {
  auto& n = b.node("Einsum", inputs, {output});
  n.set_name("e_" + output);
  auto* a = n.add_attribute();
  a->set_name("equation");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(equation);
  return n;
}

}  // namespace

// Fuzz finding (tests/fuzz/corpus/onnx_model/einsum-term-longer-than-rank.onnx): Debian's ONNX
// 1.17 Einsum shape inference reads past an input's dimensions when its equation term names more
// labels than the input's rank, a SEGV in the checker, the optimizer and every ONNX Runtime session
// (same libonnx). kiln checks every Einsum against its inputs' ranks before any of them runs
// (onnx/rank_guard.h).
TEST(UntrustedModel, EinsumTermLongerThanItsInputsRankIsRefusedBeforeInference) {
  auto refused = [](const onnx::ModelProto& m) {
    return error_of([&] { check_untrusted_model(m, std::nullopt, "m.onnx"); });
  };
  {  // The fuzz input's shape: y is [5, 4], its term 'bjk' names three dimensions.
    test::ModelBuilder b(17, 8);
    b.input("x", DType::Float32, {5, 2, 3}).input("y", DType::Float32, {5, 4}).output("z");
    einsum(b, "bij, bjk -> bik", {"x", "y"}, "z");
    EXPECT_EQ(refused(b.model()),
              "m.onnx: Einsum node 'e_z' (equation 'bij, bjk -> bik'): input 'y' has rank 2 but "
              "its term 'bjk' names 3 dimensions");
    expect_refused_when_opened(b.model(), "has rank 2", "einsum");  // no crash in ONNX Runtime
  }
  {  // The rank known only from inference: y through a Relu.
    test::ModelBuilder b(17, 8);
    b.input("x", DType::Float32, {5, 2, 3}).input("y", DType::Float32, {5, 4}).output("z");
    b.node("Relu", {"y"}, {"r"});
    einsum(b, "bij,bjk->bik", {"x", "r"}, "z");
    EXPECT_NE(refused(b.model()).find("input 'r' has rank 2"), std::string::npos);
  }
  {  // ... or only once an earlier Einsum's output is inferred.
    test::ModelBuilder b(17, 8);
    b.input("x", DType::Float32, {5, 2, 3}).input("y", DType::Float32, {5, 4}).output("z");
    einsum(b, "ij->i", {"y"}, "s");
    einsum(b, "bij,bjk->bik", {"x", "s"}, "z");
    EXPECT_NE(refused(b.model()).find("input 's' has rank 1"), std::string::npos);
  }
  {  // Ellipses standing for different numbers of dimensions (another read past the end).
    test::ModelBuilder b(17, 8);
    b.input("x", DType::Float32, {2, 3}).input("y", DType::Float32, {4, 2, 3}).output("z");
    einsum(b, "...i,...i->...i", {"x", "y"}, "z");
    EXPECT_NE(refused(b.model()).find("ellipses stand for different numbers of dimensions"),
              std::string::npos);
  }
  {  // Inside an If branch, reading the outer graph's input.
    test::ModelBuilder b(17, 8);
    b.input("c", DType::Bool, {}).input("x", DType::Float32, {5, 2, 3});
    b.input("y", DType::Float32, {5, 4}).output("z");
    add_if(b, "c", "z", 17,
           [](test::ModelBuilder& sub) { einsum(sub, "bij,bjk->bik", {"x", "y"}, "t"); });
    EXPECT_NE(refused(b.model()).find("input 'y' has rank 2"), std::string::npos);
  }
  {  // A valid chain of Einsums passes and runs.
    test::ModelBuilder b(17, 8);
    b.input("x", DType::Float32, {2, 2, 3}).output("z");
    einsum(b, "bij->bj", {"x"}, "s");
    einsum(b, "bj,bj->b", {"s", "s"}, "z");
    EXPECT_EQ(refused(b.model()), "");
    auto session = OrtSession::from_bytes(serialize_model(b.model()));
    auto z =
        session.run({make_tensor("x", DType::Float32, {2, 2, 3}, std::vector<double>(12, 1.0))});
    EXPECT_EQ(z[0].to_doubles(), (std::vector<double>{12, 12}));  // s = 2 per j; 3 * 2 * 2
  }
}

// Fuzz finding (tests/fuzz/corpus/onnx_model/convtranspose-weight-rank-2.onnx): ONNX 1.17's
// ConvTranspose inference takes the kernel from W's dimensions 2.. and indexes it by X's spatial
// rank: W of rank 2 under X of rank 4 read an empty vector (SEGV at address 0).
TEST(UntrustedModel, ConvTransposeWithWeightRankUnlikeItsInputIsRefusedBeforeInference) {
  auto refused = [](const onnx::ModelProto& m) {
    return error_of([&] { check_untrusted_model(m, std::nullopt, "m.onnx"); });
  };
  auto model = [](const Shape& w, const std::string& through = "") {
    test::ModelBuilder b(17, 8);
    b.input("X", DType::Float32, {1, 1, 3, 3}).input("W", DType::Float32, w).output("Y");
    std::string weight = "W";
    if (!through.empty()) {
      b.node(through, {"W"}, {"W2"});
      weight = "W2";
    }
    b.node("ConvTranspose", {"X", weight}, {"Y"}).set_name("up");
    return b.model();
  };
  EXPECT_EQ(refused(model({-1, 2})),
            "m.onnx: ConvTranspose node 'up': input 'W' has rank 2; W (C x M/group x k1...) needs "
            "at least 3 dimensions");
  EXPECT_NE(refused(model({1, 2, 3})).find("X 'X' has rank 4 but W 'W' has rank 3"),
            std::string::npos);
  EXPECT_NE(refused(model({1, 2}, "Relu")).find("input 'W2' has rank 2"), std::string::npos);
  EXPECT_NE(error_of([&] {
              OrtSession::from_bytes(serialize_model(model({-1, 2})));
            }).find("needs at least 3 dimensions"),
            std::string::npos);
  // A well-formed one passes and runs: 3x3 ones through a 2-channel 3x3 kernel of ones.
  auto good = model({1, 2, 3, 3});
  EXPECT_EQ(refused(good), "");
  auto y = OrtSession::from_bytes(serialize_model(good))
               .run({make_tensor("X", DType::Float32, {1, 1, 3, 3}, std::vector<double>(9, 1.0)),
                     make_tensor("W", DType::Float32, {1, 2, 3, 3}, std::vector<double>(18, 1.0))});
  ASSERT_EQ(y[0].shape, (Shape{1, 2, 5, 5}));
  EXPECT_EQ(y[0].to_doubles()[12], 9.0);  // the centre sees all nine
}

// Fuzz finding (tests/fuzz/corpus/onnx_model/conv-stride-0.onnx): ONNX 1.17's Conv and pooling
// inference divides by each stride, and Split before opset 18 by its number of outputs; a zero
// killed the process with SIGFPE (in the checker, the optimizer and ONNX Runtime's graph
// resolution alike). Without the guard, the OrtSession and load_model calls below crash the test.
TEST(UntrustedModel, ZeroStridesAndMissingOutputsAreRefusedBeforeInference) {
  auto refused = [](const onnx::ModelProto& m) {
    return error_of([&] { check_untrusted_model(m, std::nullopt, "m.onnx"); });
  };
  auto strided = [](const std::string& op, const std::vector<int64_t>& strides) {
    test::ModelBuilder b(13, 8);
    b.input("x", DType::Float32, {1, 1, 8, 8}).output("y");
    b.initializer(make_tensor("w", DType::Float32, {2, 1, 3, 3}, std::vector<double>(18, 1.0)));
    auto& n = op == "Conv" ? b.node("Conv", {"x", "w"}, {"y"}) : b.node(op, {"x"}, {"y"});
    n.set_name("k");
    if (op != "Conv") test::add_ints(n, "kernel_shape", {2, 2});
    test::add_ints(n, "strides", strides);
    return b.model();
  };
  EXPECT_EQ(refused(strided("Conv", {0, 1})),
            "m.onnx: Conv node 'k' has stride 0 (strides must be positive)");
  EXPECT_EQ(refused(strided("MaxPool", {1, 0})),
            "m.onnx: MaxPool node 'k' has stride 0 (strides must be positive)");
  EXPECT_NE(refused(strided("AveragePool", {-2, 1})).find("has stride -2"), std::string::npos);
  expect_refused_when_opened(strided("Conv", {0, 1}), "has stride 0", "stride0");
  {  // Inside an If branch.
    test::ModelBuilder b(13, 8);
    b.input("c", DType::Bool, {}).input("x", DType::Float32, {1, 1, 8, 8}).output("y");
    add_if(b, "c", "y", 13, [](test::ModelBuilder& sub) {
      auto& pool = sub.node("MaxPool", {"x"}, {"t"});
      test::add_ints(pool, "kernel_shape", {2, 2});
      test::add_ints(pool, "strides", {0, 0});
    });
    EXPECT_NE(refused(b.model()).find("MaxPool node 'MaxPool_1' has stride 0"), std::string::npos);
  }
  {  // Split-11 with no outputs divides by zero outputs; LSTM's outputs are all optional.
    test::ModelBuilder b(11, 8);
    b.input("x", DType::Float32, {1, 4}).output("y");
    b.node("Split", {"x"}, {}).set_name("s");
    b.node("Relu", {"x"}, {"y"});
    EXPECT_EQ(refused(b.model()),
              "m.onnx: Split node 's' has 0 output(s); Split-11 needs at least 1");
    b.graph().mutable_node()->DeleteSubrange(0, 1);
    test::add_int(b.node("LSTM", {"x", "x", "x"}, {}), "hidden_size", 1);
    EXPECT_EQ(refused(b.model()), "");
  }
  {  // Well-formed strides pass and run: a 2x2 max pool with stride 2 over 8x8 gives 4x4.
    auto good = strided("MaxPool", {2, 2});
    EXPECT_EQ(refused(good), "");
    auto y =
        OrtSession::from_bytes(serialize_model(good))
            .run({make_tensor("x", DType::Float32, {1, 1, 8, 8}, std::vector<double>(64, 1.0))});
    EXPECT_EQ(y[0].shape, (Shape{1, 1, 4, 4}));
  }
}

// A model-local function's MaxPool takes its strides from the caller (ref_attr_name): the guard
// follows them to every call, through functions that pass them on, and to the function's default.
TEST(UntrustedModel, StridesAFunctionTakesFromItsCallerAreCheckedAtTheCall) {
  auto refused = [](const onnx::ModelProto& m) {
    return error_of([&] { check_untrusted_model(m, std::nullopt, "m.onnx"); });
  };
  // pool2(x; s) = MaxPool(x, kernel 2x2, strides = s); outer(x; t) = pool2(x; s = t).
  auto model = [](const std::vector<int64_t>& given, bool through_outer,
                  const std::vector<int64_t>& default_s = {}) {
    test::ModelBuilder b(13, 8);
    b.input("x", DType::Float32, {1, 1, 8, 8}).output("y");
    auto* local = b.model().add_opset_import();
    local->set_domain("local");
    local->set_version(1);
    auto add_function = [&](const std::string& name, const std::string& param,
                            const std::function<void(onnx::NodeProto&)>& body) {
      auto* f = b.model().add_functions();
      f->set_name(name);
      f->set_domain("local");
      f->add_input("x");
      f->add_output("y");
      auto* op = f->add_opset_import();
      op->set_domain("");
      op->set_version(13);
      *f->add_opset_import() = *local;
      if (name == "pool2" && !default_s.empty()) {
        auto* d = f->add_attribute_proto();
        d->set_name(param);
        d->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : default_s) d->add_ints(v);
      } else {
        f->add_attribute(param);
      }
      body(*f->add_node());
    };
    auto ref = [](onnx::NodeProto& n, const std::string& name, const std::string& to) {
      auto* a = n.add_attribute();
      a->set_name(name);
      a->set_type(onnx::AttributeProto::INTS);
      a->set_ref_attr_name(to);
    };
    add_function("pool2", "s", [&](onnx::NodeProto& n) {
      n.set_op_type("MaxPool");
      n.add_input("x");
      n.add_output("y");
      test::add_ints(n, "kernel_shape", {2, 2});
      ref(n, "strides", "s");
    });
    add_function("outer", "t", [&](onnx::NodeProto& n) {
      n.set_op_type("pool2");
      n.set_domain("local");
      n.add_input("x");
      n.add_output("y");
      ref(n, "s", "t");
    });
    auto& call = b.node(through_outer ? "outer" : "pool2", {"x"}, {"y"});
    call.set_domain("local");
    call.set_name("call");
    if (!given.empty()) test::add_ints(call, through_outer ? "t" : "s", given);
    return b.model();
  };
  EXPECT_EQ(refused(model({0, 0}, false)),
            "m.onnx: pool2 node 'call' passes function 'pool2' (attribute 's') a stride 0 "
            "(strides must be positive)");
  EXPECT_NE(refused(model({0, 1}, true)).find("passes function 'outer' (attribute 't') a stride 0"),
            std::string::npos);
  EXPECT_NE(refused(model({}, false, {1, 0})).find("(attribute 's') a stride 0"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              OrtSession::from_bytes(serialize_model(model({0, 0}, false)));
            }).find("stride 0"),
            std::string::npos);
  // Positive strides pass, given or by default, and ONNX Runtime runs the call: 8x8 → 4x4.
  EXPECT_EQ(refused(model({2, 2}, true)), "");
  EXPECT_EQ(refused(model({}, false, {2, 2})), "");
  auto y = OrtSession::from_bytes(serialize_model(model({2, 2}, true)))
               .run({make_tensor("x", DType::Float32, {1, 1, 8, 8}, std::vector<double>(64, 1.0))});
  EXPECT_EQ(y[0].shape, (Shape{1, 1, 4, 4}));
}

// Fuzz finding 7 (tests/fuzz/corpus/onnx_model/conv-weight-rank-above-input.onnx): ONNX 1.17's Conv
// inference takes the kernel from W's dimensions 2.. and indexes X's dimensions by it; W of rank 4
// under X of rank 3 read past X's shape (SEGV in ONNX Runtime's graph resolution).
TEST(UntrustedModel, ConvWeightOfHigherRankThanItsInputIsRefusedBeforeInference) {
  auto model = [](const Shape& x) {
    test::ModelBuilder b(13, 8);
    b.input("x", DType::Float32, x).output("y");
    b.initializer(make_tensor("w", DType::Float32, {2, 1, 3, 1}, std::vector<double>(6, 1.0)));
    b.node("Conv", {"x", "w"}, {"y"}).set_name("conv");
    return b.model();
  };
  EXPECT_EQ(error_of([&] { check_untrusted_model(model({1, 17, 8}), std::nullopt, "m.onnx"); }),
            "m.onnx: Conv node 'conv': W 'w' has rank 4 but X 'x' has rank 3 (they must match)");
  expect_refused_when_opened(model({1, 17, 8}), "W 'w' has rank 4", "convrank");
  EXPECT_EQ(error_of([&] { check_untrusted_model(model({1, 1, 8, 8}), std::nullopt, "m.onnx"); }),
            "");
}

}  // namespace kiln

namespace kiln {

namespace {

// y = x passed through `depth` nested If nodes (each then-branch holds the next If; each
// else-branch an Identity): the shape that made ONNX Runtime's session creation double per level.
onnx::ModelProto nested_if_model(int depth) {
  test::ModelBuilder b(17, 8);
  b.input("c", DType::Bool, {}).input("x", DType::Float32, {2}).output("y", DType::Float32, {2});
  auto leaf = [](const std::string& out) {
    onnx::GraphProto g;
    g.set_name(out + "_g");
    auto* n = g.add_node();
    n->set_op_type("Identity");
    n->add_input("x");
    n->add_output(out);
    auto* o = g.add_output();
    o->set_name(out);
    o->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    return g;
  };
  auto make_if = [&](const std::string& out, const onnx::GraphProto& then_g) {
    onnx::NodeProto n;
    n.set_op_type("If");
    n.set_name("if_" + out);
    n.add_input("c");
    n.add_output(out);
    auto* a = n.add_attribute();
    a->set_name("then_branch");
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = then_g;
    a = n.add_attribute();
    a->set_name("else_branch");
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = leaf(out + "_e");
    return n;
  };
  onnx::GraphProto inner = leaf("l0");
  for (int level = 1; level < depth; ++level) {
    onnx::GraphProto g;
    g.set_name("level" + std::to_string(level));
    std::string out = "o" + std::to_string(level);
    *g.add_node() = make_if(out, inner);
    auto* o = g.add_output();
    o->set_name(out);
    o->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    inner = g;
  }
  *b.graph().add_node() = make_if("y", inner);
  return b.model();
}

}  // namespace

// Issue 33: nested If subgraphs made ONNX Runtime's session creation double per level (depth 24
// in an artifact hung kiln validate). The bound is checked before ONNX Runtime sees the model.
TEST(UntrustedModel, SubgraphNestingIsBoundedBeforeOnnxRuntime) {
  // depth 12 (the bound) loads and runs; 13 and 24 are refused with the bound in the message.
  auto ok = nested_if_model(kMaxSubgraphDepth);
  EXPECT_EQ(error_of([&] { check_model_structure(ok, "m"); }), "");
  auto session = OrtSession::from_bytes(serialize_model(ok), SessionOptions{}, "m");
  auto y = session.run(
      {make_tensor("c", DType::Bool, {}, {1}), make_tensor("x", DType::Float32, {2}, {1, 2})});
  EXPECT_EQ(y[0].to_doubles(), (std::vector<double>{1, 2}));
  for (int depth : {kMaxSubgraphDepth + 1, 24}) {
    auto deep = nested_if_model(depth);
    auto t0 = std::chrono::steady_clock::now();
    std::string e = error_of(
        [&] { OrtSession::from_bytes(serialize_model(deep), SessionOptions{}, "deep.onnx"); });
    EXPECT_NE(e.find("deep.onnx: node 'if_"), std::string::npos) << e;
    EXPECT_NE(e.find("nested more than 12 deep; kiln's bound is 12 levels"), std::string::npos)
        << e;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  }
}

TEST(UntrustedModel, NodeCountIsBounded) {
  test::ModelBuilder b(17, 8);
  b.input("x", DType::Float32, {2}).output("y", DType::Float32, {2});
  auto* nodes = b.graph().mutable_node();
  nodes->Reserve(static_cast<int>(kMaxModelNodes) + 1);
  for (int64_t i = 0; i <= kMaxModelNodes; ++i) nodes->Add()->set_op_type("Identity");
  std::string e = error_of([&] { check_model_structure(b.model(), "big.onnx"); });
  EXPECT_EQ(e,
            "big.onnx: more than 1000000 nodes (subgraphs and functions included); kiln's bound is "
            "1000000");
  nodes->RemoveLast();
  EXPECT_EQ(error_of([&] { check_model_structure(b.model(), "big.onnx"); }), "");
}

}  // namespace kiln
