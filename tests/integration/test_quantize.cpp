#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "common/error.h"
#include "export/export_options.h"
#include "quantize/dynamic_quantize.h"
#include "runtime/ort_session.h"
#include "runtime/torch_runner.h"
#include "support/frozen_model.h"
#include "support/temp_dir.h"
#include "torchscript/freeze.h"
#include "torchscript/torch_runtime.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

fs::path frozen_scripted(const std::string& model, const fs::path& dir) {
  return testing::freeze_builtin(model, dir) / kScriptedFile;
}

int count_kind(const torch::jit::Module& m, const char* kind) {
  auto frozen = m.get_method("forward").graph();
  int n = 0;
  for (auto* node : frozen->nodes()) n += std::string(node->kind().toQualString()) == kind;
  return n;
}

}  // namespace

TEST(Quantize, EveryLinearOfSimpleCnnBecomesDynamicInt8) {
  auto dir = testing::fresh_temp_dir("cnn");
  auto fp32 = frozen_scripted("simple_cnn", dir);
  for (const char* engine : {"onednn", "qnnpack"}) {
    for (bool per_channel : {false, true}) {
      QuantizeOptions o;
      o.model = fp32;
      o.engine = engine;
      o.per_channel = per_channel;
      o.out = dir / fmt::format("int8_{}_{}.pt", engine, per_channel);
      auto r = quantize_dynamic(o);
      EXPECT_EQ(r.quantized_layers, 2);
      EXPECT_EQ(r.fp32_layers, 0);
      ASSERT_FALSE(r.layers.empty());
      EXPECT_EQ(r.layers[0].layer, "fc1");
      EXPECT_LT(fs::file_size(o.out), fs::file_size(fp32) * 0.3)
          << "int8 weights: under 0.3x the FP32 file";
      auto m = load_torchscript(o.out);
      EXPECT_EQ(count_kind(m, "quantized::linear_dynamic"), 2);
      EXPECT_EQ(count_kind(m, "aten::linear"), 0);
      // Close to FP32 (int8 error), same argmax on nearly every sample.
      auto ref = load_torchscript(fp32);
      torch::manual_seed(5);
      auto x = torch::randn({64, 1, 28, 28});
      select_quantized_engine(engine);
      auto a = run_forward(ref, x), b = run_forward(m, x);
      EXPECT_LT((a - b).abs().max().item<double>(), 0.05 * a.abs().max().item<double>()) << engine;
      EXPECT_GE(a.argmax(1).eq(b.argmax(1)).to(torch::kFloat).mean().item<double>(), 0.95);
    }
  }
  fs::remove_all(dir);
}

TEST(Quantize, Int8ExportsToMatMulIntegerAndMatchesLibTorch) {
  auto dir = testing::fresh_temp_dir("export");
  auto fp32 = frozen_scripted("mlp", dir);
  QuantizeOptions q;
  q.model = fp32;
  q.engine =
      "onednn";  // LibTorch's default engine; QNNPACK's kernels differ from ORT by ~6e-3 here
  q.out = dir / "int8.pt";
  quantize_dynamic(q);
  ExportOptions e;
  e.model = q.out;
  e.out = dir / "int8.onnx";
  auto report = export_onnx(e);
  EXPECT_EQ(report.op_histogram["MatMulInteger"], 3);
  EXPECT_EQ(report.op_histogram["DynamicQuantizeLinear"], 3);
  auto session = OrtSession::from_file(e.out);
  auto m = load_torchscript(q.out);
  select_quantized_engine("onednn");
  torch::manual_seed(6);
  torch::NoGradGuard ng;
  for (int64_t b : {1, 16}) {
    auto x = torch::randn({b, 1, 28, 28});
    auto expected = run_forward(m, x);
    auto got = to_torch(session.run({from_torch(x, "input")})[0]);
    double mae = (got - expected).abs().mean().item<double>();
    EXPECT_LE(mae, 1e-3) << "batch " << b;
  }
  fs::remove_all(dir);
}

TEST(Quantize, NothingToQuantizeAndUnknownEngineAreClearErrors) {
  auto dir = testing::fresh_temp_dir("errors");
  torch::jit::Module conv_only(c10::QualifiedName("__torch__.ConvOnly"));
  conv_only.register_attribute("training", c10::BoolType::get(), false);
  conv_only.register_parameter("w", torch::randn({2, 1, 3, 3}), false);
  conv_only.define("def forward(self, x):\n    return torch.conv2d(x, self.w)\n");
  conv_only.save((dir / "conv.pt").string());
  QuantizeOptions o;
  o.model = dir / "conv.pt";
  o.out = dir / "conv_int8.pt";
  try {
    quantize_dynamic(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nothing to quantize"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(o.out));
  o.engine = "fbgemm";
  try {
    quantize_dynamic(o);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("available: qnnpack, onednn"), std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace kiln
