#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <onnx/onnx_pb.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "common/error.h"
#include "export/export_options.h"
#include "runtime/ort_session.h"
#include "runtime/torch_runner.h"
#include "support/frozen_model.h"
#include "support/onnx_graph.h"
#include "support/temp_dir.h"
#include "torchscript/freeze.h"
#include "torchscript/torch_runtime.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

using testing::count_op;

// Max |LibTorch − ONNX Runtime| on input x.
double max_abs_error(const fs::path& pt, const fs::path& onnx_path, const torch::Tensor& x) {
  auto module = load_torchscript(pt);
  torch::NoGradGuard ng;
  auto expected = run_forward(module, x);
  auto session = OrtSession::from_file(onnx_path);
  auto input = from_torch(x, session.inputs()[0].name);
  auto out = session.run({input});
  EXPECT_EQ(out.size(), 1u);
  auto got = to_torch(out[0]);
  EXPECT_EQ(got.sizes(), expected.sizes());
  return (got - expected).abs().max().item<double>();
}

// The error export_onnx gives for `o`, which must be one line and leave no model behind (a test
// failure, and "", when it exports instead).
std::string export_error(const ExportOptions& o) {
  try {
    export_onnx(o);
    ADD_FAILURE() << "exported " << o.out << "; expected an error";
    return "";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_FALSE(fs::exists(o.out)) << o.out;
    return msg;
  }
}

}  // namespace

TEST(Export, SimpleCnnScriptedAndTracedMatchLibTorchWithDynamicBatch) {
  auto dir = testing::freeze_builtin("simple_cnn", testing::fresh_temp_dir("cnn"));
  for (const char* file : {kScriptedFile, kTracedFile}) {
    for (bool keep : {false, true}) {
      ExportOptions o;
      o.model = dir / file;
      o.out = dir / (std::string(file) + (keep ? ".kept.onnx" : ".onnx"));
      o.keep_batch_norm = keep;
      auto report = export_onnx(o);
      EXPECT_EQ(report.opset, 13);
      EXPECT_EQ(report.inputs[0].name, "input");
      EXPECT_EQ(report.inputs[0].shape[0], "batch");
      EXPECT_EQ(report.outputs[0].name, "output");
      EXPECT_EQ(report.outputs[0].shape[0], "batch");
      auto m = testing::load_model(o.out);
      // By default each BatchNormalization is folded into its Conv, as torch.onnx does; kept,
      // the graph is LibTorch's own, for the optimizer (the pipeline's step 4).
      EXPECT_EQ(count_op(m.graph(), "BatchNormalization"), keep ? 2 : 0);
      EXPECT_EQ(report.folded_batch_norms, keep ? 0 : 2);
      EXPECT_EQ(count_op(m.graph(), "Conv"), 2);
      EXPECT_EQ(count_op(m.graph(), "Dropout"), 0);
      // The value map: a Conv's own output is not computed once its BatchNormalization is folded
      // in, and the BatchNormalization's is (the Conv writes it).
      int convs = 0, norms = 0;
      for (const auto& v : report.values) {
        if (v.kind.find("conv") != std::string::npos) {
          ++convs;
          EXPECT_EQ(v.onnx.empty(), !keep) << v.kind << " " << v.torchscript;
        }
        if (v.kind.find("batch_norm") != std::string::npos) {
          ++norms;
          EXPECT_FALSE(v.onnx.empty()) << v.kind << " " << v.torchscript;
        }
      }
      EXPECT_EQ(convs, 2);
      EXPECT_EQ(norms, 2);
      torch::manual_seed(1);
      for (int64_t b : {1, 7, 64}) {
        EXPECT_LE(max_abs_error(dir / file, o.out, torch::randn({b, 1, 28, 28})), 1e-5)
            << file << " batch " << b << (keep ? " (kept)" : " (folded)");
      }
    }
  }
  fs::remove_all(dir);
}

TEST(Export, EveryOpsetFrom13To18PassesTheChecker) {
  auto dir = testing::freeze_builtin("mlp", testing::fresh_temp_dir("opsets"));
  for (int opset = kMinOpset; opset <= kMaxOpset; ++opset) {
    ExportOptions o;
    o.model = dir / kScriptedFile;
    o.opset = opset;
    o.out = dir / ("mlp_" + std::to_string(opset) + ".onnx");
    EXPECT_NO_THROW(export_onnx(o)) << "opset " << opset;
    EXPECT_EQ(testing::load_model(o.out).opset_import(0).version(), opset);
    EXPECT_LE(max_abs_error(dir / kScriptedFile, o.out, torch::randn({3, 1, 28, 28})), 1e-5);
  }
  ExportOptions bad;
  bad.model = dir / kScriptedFile;
  bad.opset = 12;
  bad.out = dir / "bad.onnx";
  EXPECT_THROW(export_onnx(bad), UsageError);
  fs::remove_all(dir);
}

TEST(Export, ScriptedBranchyKeepsBothBranchesAsIf) {
  auto dir = testing::freeze_builtin("branchy", testing::fresh_temp_dir("branchy"));
  ExportOptions o;
  o.model = dir / kScriptedFile;
  o.out = dir / "branchy.onnx";
  export_onnx(o);
  EXPECT_EQ(count_op(testing::load_model(o.out).graph(), "If"), 1);
  torch::manual_seed(2);
  EXPECT_LE(max_abs_error(o.model, o.out, torch::rand({4, 1, 28, 28}) + 0.5), 1e-5)
      << "conv branch";
  EXPECT_LE(max_abs_error(o.model, o.out, torch::rand({4, 1, 28, 28}) - 1.5), 1e-5)
      << "dense branch";
  // The traced file has lost the branch before export: no If, one path only.
  ExportOptions t = o;
  t.model = dir / kTracedFile;
  t.out = dir / "branchy_traced.onnx";
  export_onnx(t);
  EXPECT_EQ(count_op(testing::load_model(t.out).graph(), "If"), 0);
  fs::remove_all(dir);
}

// A user's module using the wider op set: every converter against LibTorch in ONNX Runtime.
TEST(Export, CommonCnnAndMlpOpsMatchLibTorch) {
  torch::jit::Module m(c10::QualifiedName("__torch__.OpZoo"));
  m.register_attribute("training", c10::BoolType::get(), false);
  torch::manual_seed(3);
  m.register_parameter("c1w", torch::randn({8, 1, 3, 3}) * 0.3, false);
  m.register_parameter("c1b", torch::randn({8}) * 0.1, false);
  m.register_parameter("dw", torch::randn({8, 1, 3, 3}) * 0.3, false);  // depthwise, groups = 8
  m.register_parameter("c1d", torch::randn({4, 8, 3}) * 0.3, false);
  m.register_parameter("lnw", torch::rand({4}) + 0.5, false);
  m.register_parameter("lnb", torch::randn({4}) * 0.1, false);
  m.register_parameter("fw", torch::randn({10, 52}) * 0.1, false);
  m.register_parameter("fb", torch::randn({10}) * 0.1, false);
  m.register_parameter("w3", torch::randn({10, 10}) * 0.3, false);
  m.define(R"(
def forward(self, x):
    y = torch.conv2d(x, self.c1w, self.c1b, [2, 2], [1, 1], [1, 1], 1)
    y = torch.leaky_relu(y, 0.1)
    y = torch.conv2d(y, self.dw, None, [1, 1], [1, 1], [1, 1], 8)
    y = torch.hardswish(y)
    y = torch.avg_pool2d(y, [2, 2], [2, 2], [0, 0], False, True)
    z = torch.adaptive_avg_pool2d(y, [1, 1])
    y = torch.silu(y) + torch.sigmoid(z) * 0.5 - 1.0
    y = torch.mean(y, [3], False)
    y = torch.conv1d(y, self.c1d, None, [1], [1], [1], 1)
    y = torch.permute(y, [0, 2, 1])
    y = torch.layer_norm(y, [4], self.lnw, self.lnb, 1e-05, False)
    y = torch.gelu(y)
    y = torch.transpose(y, 1, 2)
    y = torch.reshape(y, [-1, 28])
    y = torch.cat([y, torch.tanh(y[:, 0:24])], 1)
    y = torch.clamp(y, -2.0, 2.0)
    y = torch.linear(y, self.fw, self.fb)
    y = torch.relu6(y * 3.0) / 2.0
    y = torch.matmul(y, self.w3) + torch.hardsigmoid(y)
    return torch.log_softmax(y, 1) + torch.softmax(y, -1)
)");
  auto dir = testing::fresh_temp_dir("opzoo");
  m.save((dir / "zoo.pt").string());
  for (int opset : {13, 17}) {
    ExportOptions o;
    o.model = dir / "zoo.pt";
    o.opset = opset;
    o.out = dir / ("zoo" + std::to_string(opset) + ".onnx");
    try {
      export_onnx(o);
    } catch (const Error& e) {
      FAIL() << e.what();
    }
    torch::manual_seed(4);
    EXPECT_LE(max_abs_error(o.model, o.out, torch::randn({1, 1, 28, 28})), 1e-5)
        << "opset " << opset;
    EXPECT_LE(max_abs_error(o.model, o.out, torch::randn({5, 1, 28, 28})), 1e-5)
        << "opset " << opset;
  }
  fs::remove_all(dir);
}

TEST(Export, UnsupportedOpNamesTheOpAndItsPlace) {
  // aten::kthvalue has no converter (nor an ONNX operator).
  torch::jit::Module m(c10::QualifiedName("__torch__.Kth"));
  m.register_attribute("training", c10::BoolType::get(), false);
  m.define(R"(
def forward(self, x):
    values, indices = torch.kthvalue(x, 2, 1)
    return values
)");
  auto dir = testing::fresh_temp_dir("unsupported");
  m.save((dir / "kth.pt").string());
  ExportOptions o;
  o.model = dir / "kth.pt";
  o.input_shape = "2x5";
  o.out = dir / "kth.onnx";
  std::string msg = export_error(o);
  EXPECT_NE(msg.find("unsupported op aten::kthvalue"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--list-ops"), std::string::npos) << msg;
  fs::remove_all(dir);
}

// A tensor whose rank the batch decides (rank 3 from batch 3 on, rank 2 below), read by dim():
// the rest of the forward is converted inside each branch, one If inside another per stage. Two
// stages export and match LibTorch at both verification sizes (batch 2 and 4: one path each);
// six would make 64 copies — past four levels kiln stops with the op that needed the rank.
torch::jit::Module rank_stages(int stages) {
  std::string body = "def forward(self, x):\n    z = x\n";
  for (int k = 0; k < stages; ++k) {
    body += "    if z.size(0) > 2:\n        y = z.reshape(z.size(0), -1, 2)\n    else:\n        y = z.reshape(z.size(0), -1)\n"
            "    z = y.reshape(y.size(0), -1) * float(y.dim())\n";
  }
  body += "    return z\n";
  torch::jit::Module m(c10::QualifiedName("__torch__.RankStages"));
  m.register_attribute("training", c10::BoolType::get(), false);
  m.define(body);
  return m;
}

TEST(Export, RanksTheBatchDecidesAreConvertedPerBranchUpToFourLevels) {
  auto dir = testing::fresh_temp_dir("rank_stages");
  rank_stages(2).save((dir / "two.pt").string());
  ExportOptions o;
  o.model = dir / "two.pt";
  o.input_shape = "2x4";
  o.opset = 17;
  o.out = dir / "two.onnx";
  auto r = export_onnx(o);
  ASSERT_EQ(r.verification.size(), 2u);  // batch 2 (the else paths) and 4 (the then paths)
  for (const auto& v : r.verification) EXPECT_LE(v.max_rel_mean_abs, 1e-6) << v.sizes;
  rank_stages(6).save((dir / "six.pt").string());
  o.model = dir / "six.pt";
  o.out = dir / "six.onnx";
  std::string msg = export_error(o);
  EXPECT_NE(msg.find("aten::dim: the tensor's rank is unknown"), std::string::npos) << msg;
  fs::remove_all(dir);
}

TEST(Export, WrongInputShapeIsTheUsersError) {
  auto dir = testing::freeze_builtin("simple_cnn", testing::fresh_temp_dir("shape"));
  ExportOptions o;
  o.model = dir / kScriptedFile;
  o.input_shape = "1x3x32x32";
  o.out = dir / "x.onnx";
  EXPECT_THROW(export_onnx(o), Error);
  EXPECT_FALSE(fs::exists(o.out));
  fs::remove_all(dir);
}

}  // namespace kiln

// LibTorch as a reference computes with its own kernels (torch_runtime.h, ReferenceKernels): off
// inside, the caller's setting restored after, nested guards included.
TEST(ReferenceKernels, TurnOneDnnOffWhileAliveAndRestoreTheCallersSetting) {
  auto& ctx = at::globalContext();
  const bool before = ctx.userEnabledMkldnn();
  ctx.setUserEnabledMkldnn(true);
  {
    kiln::ReferenceKernels outer;
    EXPECT_FALSE(ctx.userEnabledMkldnn());
    {
      kiln::ReferenceKernels inner;
      EXPECT_FALSE(ctx.userEnabledMkldnn());
    }
    EXPECT_FALSE(ctx.userEnabledMkldnn());
  }
  EXPECT_TRUE(ctx.userEnabledMkldnn());
  ctx.setUserEnabledMkldnn(false);
  {
    kiln::ReferenceKernels guard;
  }
  EXPECT_FALSE(ctx.userEnabledMkldnn());
  ctx.setUserEnabledMkldnn(before);
}
