// kiln diff: matching, streaming statistics, chunking under a memory bound, localization of an
// injected fault (a perturbed Conv weight, a quantized activation, a broken optimizer pass) and
// the --explain attribution.
#include <filesystem>
#include <map>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/json_record.h"
#include "diff/diff_models.h"
#include "diff/diff_report.h"
#include "diff/tensor_stats.h"
#include "diff/segment_runner.h"
#include "onnx/graph_edit.h"
#include "onnx/model_io.h"
#include "optimize/optimize_file.h"
#include "optimize/registry.h"
#include "onnx_builders.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using test::ModelBuilder;
using test::random_tensor;

fs::path temp_dir() {
  static fs::path d = [] {
    fs::path p = fs::temp_directory_path() / ("kiln_test_diff_" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
  }();
  return d;
}

// input → conv1 → relu1 → conv2 → relu2 → conv3 → pool → flatten → output, every node named
// after its output. `scale2` multiplies conv2's weights (the injected fault).
onnx::ModelProto conv_chain(float scale2 = 1.0f) {
  ModelBuilder b;
  b.input("input", DType::Float32, {-1, 3, 12, 12});
  b.output("output", DType::Float32, {-1, 8});
  auto w = [&](const std::string& name, int64_t out, int64_t in, uint64_t seed, float scale = 1) {
    HostTensor t = random_tensor(name, DType::Float32, {out, in, 3, 3}, seed, -0.3, 0.3);
    for (int64_t i = 0; i < t.numel(); ++i) t.ptr<float>()[i] *= scale;
    b.initializer(t);
    b.initializer(random_tensor(name + "_b", DType::Float32, {out}, seed + 100, -0.1, 0.1));
  };
  w("w1", 8, 3, 1);
  w("w2", 8, 8, 2, scale2);
  w("w3", 8, 8, 3);
  auto conv = [&](const std::string& x, const std::string& wname, const std::string& y) {
    auto& n = b.node("Conv", {x, wname, wname + "_b"}, {y});
    n.set_name(y);
    test::add_ints(n, "pads", {1, 1, 1, 1});
  };
  auto unary = [&](const std::string& op, const std::string& x, const std::string& y) {
    b.node(op, {x}, {y}).set_name(y);
  };
  conv("input", "w1", "conv1");
  unary("Relu", "conv1", "relu1");
  conv("relu1", "w2", "conv2");
  unary("Relu", "conv2", "relu2");
  conv("relu2", "w3", "conv3");
  unary("GlobalAveragePool", "conv3", "pool");
  unary("Flatten", "pool", "output");
  return b.model();
}

fs::path save(const onnx::ModelProto& m, const std::string& name) {
  fs::path p = temp_dir() / name;
  save_model(m, p);
  return p;
}

DiffOptions options(const fs::path& a, const fs::path& b, uint64_t seed = 0) {
  DiffOptions o;
  o.reference = a;
  o.target = b;
  o.samples = 3;
  o.dataset = "none";
  o.seed = seed;
  o.threads = 1;
  return o;
}

TEST(Diff, IdenticalModelsAgreeOnEveryTensor) {
  fs::path a = save(conv_chain(), "same.onnx");
  DiffResult r = diff_models(options(a, a));
  EXPECT_TRUE(r.agree);
  EXPECT_FALSE(r.first_divergent);
  ASSERT_EQ(r.tensors.size(), 7u);  // every node output
  for (const auto& t : r.tensors) {
    EXPECT_EQ(t.max_abs, 0) << t.name;
    EXPECT_EQ(t.elements % 3, 0) << t.name;  // three samples counted
  }
  EXPECT_TRUE(r.removed.empty());
  EXPECT_TRUE(r.added.empty());
  EXPECT_EQ(r.samples.size(), 3u);
}

TEST(Diff, PerturbedConvWeightIsTheFirstDivergentNodeForEverySeed) {
  fs::path a = save(conv_chain(), "ref.onnx");
  fs::path b = save(conv_chain(1.1f), "perturbed.onnx");
  for (uint64_t seed = 0; seed < 10; ++seed) {
    DiffResult r = diff_models(options(a, b, seed));
    ASSERT_TRUE(r.first_divergent) << "seed " << seed;
    EXPECT_EQ(r.first_divergent->node, "conv2") << "seed " << seed;
    EXPECT_EQ(r.first_divergent->op, "Conv");
    EXPECT_EQ(r.first_divergent->inputs, std::vector<std::string>{"relu1"});
    EXPECT_EQ(r.first_divergent->attributes.at("pads"), "[1,1,1,1]");
    EXPECT_FALSE(r.agree);
  }
}

TEST(Diff, ChunkingUnderATinyMemoryBoundGivesTheSameStatistics) {
  fs::path a = save(conv_chain(), "ref_chunk.onnx");
  fs::path b = save(conv_chain(1.1f), "perturbed_chunk.onnx");
  DiffResult whole = diff_models(options(a, b));
  DiffOptions o = options(a, b);
  o.max_mem_mb = 1;  // below what the process holds already: one tensor per chunk
  DiffResult chunked = diff_models(o);
  EXPECT_EQ(whole.chunking.chunks, 1);
  EXPECT_EQ(chunked.chunking.chunks, static_cast<int>(chunked.tensors.size()));
  ASSERT_EQ(whole.tensors.size(), chunked.tensors.size());
  for (size_t i = 0; i < whole.tensors.size(); ++i) {
    EXPECT_EQ(whole.tensors[i].name, chunked.tensors[i].name);
    EXPECT_DOUBLE_EQ(whole.tensors[i].max_abs, chunked.tensors[i].max_abs);
    EXPECT_DOUBLE_EQ(whole.tensors[i].relative_l2, chunked.tensors[i].relative_l2);
  }
  EXPECT_EQ(chunked.first_divergent->node, "conv2");
}

// relu1 through QuantizeLinear → DequantizeLinear with a coarse scale: the quantization error
// enters at relu1, which is compared as its dequantized value.
TEST(Diff, QuantizedActivationIsLocalizedWithItsScaleAndClippedShare) {
  onnx::ModelProto q = conv_chain();
  auto& g = *q.mutable_graph();
  tensor_to_proto(make_tensor("s", DType::Float32, {}, {0.002}), g.add_initializer());
  tensor_to_proto(make_tensor("zp", DType::UInt8, {}, {0}), g.add_initializer());
  replace_uses(g, "relu1", "relu1_dq");
  onnx::ModelProto with;
  with.CopyFrom(q);
  auto* nodes = with.mutable_graph()->mutable_node();
  nodes->Clear();
  for (const auto& n : g.node()) {
    *nodes->Add() = n;
    if (n.output(0) == "relu1") {
      *nodes->Add() = make_node("QuantizeLinear", {"relu1", "s", "zp"}, {"relu1_q"}, "q_relu1");
      *nodes->Add() = make_node("DequantizeLinear", {"relu1_q", "s", "zp"}, {"relu1_dq"}, "dq_relu1");
    }
  }
  fs::path a = save(conv_chain(), "ref_q.onnx");
  fs::path b = save(with, "qdq.onnx");
  DiffResult r = diff_models(options(a, b));
  ASSERT_TRUE(r.first_divergent);
  EXPECT_EQ(r.first_divergent->output, "relu1");
  EXPECT_EQ(r.first_divergent->op, "Relu");
  EXPECT_EQ(r.first_divergent->via, (std::vector<std::string>{"q_relu1", "dq_relu1"}));
  const TensorDiffRecord* relu1 = nullptr;
  for (const auto& t : r.tensors)
    if (t.name == "relu1") relu1 = &t;
  ASSERT_NE(relu1, nullptr);
  EXPECT_EQ(relu1->target_tensor, "relu1_dq");
  ASSERT_TRUE(relu1->quantized);
  EXPECT_DOUBLE_EQ(relu1->quantized->scale, 0.002f);
  // 255 · 0.002 = 0.51: relu1's larger values are clipped.
  EXPECT_GT(relu1->quantized->clipped_share, 0.0);
  EXPECT_LE(relu1->max_abs, std::max(relu1->reference_max - 0.51, 0.001) + 1e-6);
  // The integer Q output has no counterpart: listed as the target's own.
  ASSERT_EQ(r.added.size(), 1u);
  EXPECT_EQ(r.added[0].tensor, "relu1_q");
  EXPECT_EQ(r.added[0].why, "only in the target: QuantizeLinear of relu1");
}

// A deliberately broken pass (drops conv2's bias): --explain names it from the optimize report.
TEST(Diff, ExplainNamesTheBrokenPassFromTheOptimizeReport) {
  static bool registered = false;
  if (!registered) {
    register_pass({"test_drop_conv2_bias", "drops conv2's bias (broken on purpose)",
                   [](GraphView& view) {
                     for (int i = 0; i < view.node_count(); ++i) {
                       auto& n = view.node(i);
                       if (n.name() == "conv2" && n.input_size() == 3) {
                         n.mutable_input()->RemoveLast();
                         return 1;
                       }
                     }
                     return 0;
                   }});
    registered = true;
  }
  fs::path a = save(conv_chain(), "ref_pass.onnx");
  OptimizeFileOptions oo;
  oo.input = a;
  oo.output = temp_dir() / "broken.onnx";
  oo.report = temp_dir() / "broken_report.json";
  oo.optimize.passes = {"eliminate_identity", "test_drop_conv2_bias", "fuse_bn_into_conv"};
  oo.verify = false;
  optimize_file(oo);
  DiffOptions o = options(a, oo.output);
  o.explain = {*oo.report};
  DiffResult r = diff_models(o);
  ASSERT_TRUE(r.first_divergent);
  EXPECT_EQ(r.first_divergent->node, "conv2");
  ASSERT_FALSE(r.first_divergent->explanation.empty());
  EXPECT_NE(r.first_divergent->explanation[0].find("test_drop_conv2_bias"), std::string::npos)
      << r.first_divergent->explanation[0];
  EXPECT_EQ(r.first_divergent->explanation[0].find("fuse_bn_into_conv"), std::string::npos);
  ASSERT_EQ(r.explained_by.size(), 1u);

  // A file that is no report is refused before any model runs.
  write_file_atomic(temp_dir() / "not_a_report.json", "{\"x\": 1}\n");
  o.explain = {temp_dir() / "not_a_report.json"};
  EXPECT_THROW(diff_models(o), Error);
}

// BN folded into the Conv: the Conv's own output is gone (listed as removed), everything else
// lines up and agrees.
TEST(Diff, OptimizedModelLinesUpWithRemovedTensorsListed) {
  ModelBuilder b;
  b.input("x", DType::Float32, {1, 3, 8, 8});
  b.output("y", DType::Float32, {1, 4, 8, 8});
  b.initializer(random_tensor("w", DType::Float32, {4, 3, 3, 3}, 1));
  for (const char* p : {"scale", "bias", "mean"})
    b.initializer(random_tensor(p, DType::Float32, {4}, 7, -0.5, 0.5));
  b.initializer(random_tensor("var", DType::Float32, {4}, 8, 0.5, 1.5));
  auto& c = b.node("Conv", {"x", "w"}, {"c"});
  test::add_ints(c, "pads", {1, 1, 1, 1});
  b.node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"bn"});
  b.node("Relu", {"bn"}, {"y"});
  fs::path a = save(b.model(), "bn.onnx");
  onnx::ModelProto opt = b.model();
  ASSERT_EQ(test::apply(opt, {"fuse_bn_into_conv"}), 1);
  fs::path t = save(opt, "bn_opt.onnx");
  DiffResult r = diff_models(options(a, t));
  EXPECT_TRUE(r.agree) << r.verdict;
  ASSERT_EQ(r.removed.size(), 1u);
  EXPECT_EQ(r.removed[0].tensor, "c");
  EXPECT_EQ(r.removed[0].op, "Conv");
  EXPECT_TRUE(r.added.empty());
  ASSERT_EQ(r.tensors.size(), 2u);  // bn (now the Conv's output) and y
  EXPECT_EQ(r.tensors[0].name, "bn");
  EXPECT_EQ(r.tensors[0].op, "Conv");
}

TEST(Diff, ReportsRenderTheVerdictThePlotAndStableJson) {
  fs::path a = save(conv_chain(), "ref_report.onnx");
  fs::path b = save(conv_chain(1.1f), "perturbed_report.onnx");
  DiffResult r = diff_models(options(a, b));
  std::string text = diff_report_text(r);
  EXPECT_NE(text.find("first divergent: conv2 (Conv)"), std::string::npos) << text;
  EXPECT_NE(text.find(r.verdict), std::string::npos);
  std::string html = diff_report_html(r);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("first divergent: conv2"), std::string::npos);
  EXPECT_NE(html.find("class=\"reference\""), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(record_text(r));
  EXPECT_EQ(j["first_divergent"]["node"], "conv2");
  for (const char* key : {"op", "output", "max_abs", "relative_l2"})
    EXPECT_TRUE(j["first_divergent"].contains(key)) << key;
  for (const char* key : {"tensors", "samples", "peak_memory_mb", "chunking", "removed", "added"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(parse_record<DiffResult>(record_text(r), "diff").tensors.size(), r.tensors.size());
}

TEST(Diff, BadOptionsAndInputsAreOneLineErrors) {
  fs::path a = save(conv_chain(), "ref_bad.onnx");
  DiffOptions o = options(a, a);
  o.samples = 0;
  EXPECT_THROW(diff_models(o), OptionError);
  o = options(a, temp_dir() / "missing.onnx");
  EXPECT_THROW(diff_models(o), Error);
  write_file_atomic(temp_dir() / "garbage.onnx", "not a model");
  o = options(a, temp_dir() / "garbage.onnx");
  EXPECT_THROW(diff_models(o), Error);
}

TEST(TensorStats, CountsNonFiniteAndJudgesAgainstTheBound) {
  TensorStats s;
  HostTensor a = make_tensor("a", DType::Float32, {4}, {1, 2, 3, 4});
  HostTensor b = make_tensor("b", DType::Float32, {4}, {1, 2, 3, NAN});
  s.add(a, b, std::nullopt);
  TensorDiffRecord r;
  s.fill(r, {1e-5, 1e-4});
  EXPECT_EQ(r.nan_target, 1);
  EXPECT_TRUE(r.diverges);  // a NaN the reference does not have
  EXPECT_EQ(r.max_abs, 0);  // over the finite pairs
  TensorStats close;
  close.add(a, make_tensor("c", DType::Float32, {4}, {1, 2, 3, 4.0002}), std::nullopt);
  TensorDiffRecord c;
  close.fill(c, {1e-5, 1e-4});  // bound 1e-5 + 4e-4
  EXPECT_FALSE(c.diverges);
  close.fill(c, {0, 1e-5});
  EXPECT_TRUE(c.diverges);
  TensorStats shapes;
  shapes.add(a, make_tensor("d", DType::Float32, {2, 2}, {1, 2, 3, 4}), std::nullopt);
  EXPECT_TRUE(shapes.problem());
  EXPECT_EQ(default_tolerance(DType::Float16).rtol, 1e-2);
  EXPECT_EQ(default_tolerance(DType::Int64).atol, 0);
}

// Chunks asking for values out of order: an ancestor computed early is kept for the chunk that
// asks for it later, every node runs exactly once, and the values are the whole model's.
// The vectorized float32 blocks and the element loop (float64 tensors) give the same statistics,
// and a NaN inside a block sends that block to the element loop.
TEST(TensorStats, FloatBlocksMatchTheElementLoop) {
  HostTensor a = random_tensor("a", DType::Float32, {3, 1000}, 11, -3, 3);
  HostTensor b = random_tensor("b", DType::Float32, {3, 1000}, 12, -3, 3);
  HostTensor a64("a", DType::Float64, a.shape), b64("b", DType::Float64, b.shape);
  for (int64_t i = 0; i < a.numel(); ++i) {
    a64.set(i, a.at(i));
    b64.set(i, b.at(i));
  }
  TensorStats fast, slow;
  fast.add(a, b, std::nullopt);
  slow.add(a64, b64, std::nullopt);
  TensorDiffRecord f, s;
  fast.fill(f, {0, 0});
  slow.fill(s, {0, 0});
  EXPECT_EQ(f.max_abs, s.max_abs);
  EXPECT_EQ(f.reference_min, s.reference_min);
  EXPECT_EQ(f.target_max, s.target_max);
  EXPECT_NEAR(f.mean_abs, s.mean_abs, 1e-5 * s.mean_abs);
  EXPECT_NEAR(f.relative_l2, s.relative_l2, 1e-5 * s.relative_l2);
  EXPECT_NEAR(f.cosine, s.cosine, 1e-5);
  EXPECT_EQ(f.elements, 3000);
  a.ptr<float>()[700] = NAN;
  b.ptr<float>()[2900] = INFINITY;
  TensorStats bad;
  bad.add(a, b, std::nullopt);
  TensorDiffRecord r;
  bad.fill(r, {0, 0});
  EXPECT_EQ(r.nan_reference, 1);
  EXPECT_EQ(r.inf_target, 1);
  EXPECT_EQ(r.max_abs, s.max_abs);  // the two pairs dropped did not hold the maximum here
}

TEST(SegmentRunner, RunsEveryNodeOnceAcrossChunksOutOfOrder) {
  onnx::ModelProto m = conv_chain();
  SessionOptions so;
  so.intra_op_threads = 1;
  SegmentRunner runner(std::make_shared<const onnx::ModelProto>(m),
                       {{"conv2"}, {"relu1", "output"}, {"conv1"}}, 2, so, "chain");
  std::vector<std::vector<HostTensor>> inputs = {
      {random_tensor("input", DType::Float32, {1, 3, 12, 12}, 5)},
      {random_tensor("input", DType::Float32, {1, 3, 12, 12}, 6)}};
  std::map<std::string, std::vector<HostTensor>> got;
  for (size_t k = 0; k < 3; ++k) {
    runner.begin_chunk(k);
    for (size_t s = 0; s < 2; ++s)
      for (const auto& [name, view] : runner.run(s, inputs[s]).by_name)
        got[name].push_back(view.copy());
    runner.end_chunk();
  }
  EXPECT_EQ(runner.nodes_run(), m.graph().node_size());
  EXPECT_EQ(runner.frontier_bytes(), 0);
  for (size_t s = 0; s < 2; ++s) {
    auto whole = test::run_model(with_extra_outputs(m, {"conv1", "relu1", "conv2"}, 1), inputs[s]);
    // run_model turns ONNX Runtime's graph optimizations off: kernels may round differently.
    EXPECT_LT(test::max_rel_diff({got["output"][s]}, {whole[0]}), 1e-5);
    EXPECT_LT(test::max_rel_diff({got["conv1"][s]}, {whole[1]}), 1e-5);
    EXPECT_LT(test::max_rel_diff({got["relu1"][s]}, {whole[2]}), 1e-5);
    EXPECT_LT(test::max_rel_diff({got["conv2"][s]}, {whole[3]}), 1e-5);
  }
}

}  // namespace
}  // namespace kiln
