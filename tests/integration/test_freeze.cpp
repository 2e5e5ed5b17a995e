#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/jit/runtime/graph_iterator.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "models/zoo.h"
#include "models/zoo_model.h"
#include "support/temp_dir.h"
#include "torchscript/freeze.h"
#include "torchscript/script.h"
#include "torchscript/torch_runtime.h"
#include "torchscript/widen_to_float64.h"
#include "train/trainer.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// A path under the temp dir that does not exist yet (freeze creates it).
fs::path fresh_path(const std::string& name) {
  return testing::fresh_temp_dir(name, false);
}

}  // namespace

TEST(Freeze, SimpleCnnBothFreezesWithinOneMillionth) {
  FreezeOptions o;
  o.model = "simple_cnn";
  o.out = fresh_path("cnn");
  auto r = freeze_model(o);
  EXPECT_LE(r.summary.traced.max, 1e-6);
  EXPECT_LE(r.summary.scripted.max, 1e-6);
  EXPECT_TRUE(r.verdict.trace_safe);
  for (const char* f : {kTracedFile, kScriptedFile, kFreezeReportJson, kFreezeReportMd})
    EXPECT_TRUE(fs::exists(o.out / f)) << f;
  // The files are ordinary TorchScript: they load and run with torch::jit::load.
  auto traced = load_torchscript(o.out / kTracedFile);
  auto scripted = load_torchscript(o.out / kScriptedFile);
  auto x = torch::randn({5, 1, 28, 28});
  auto a = run_forward(traced, x), b = run_forward(scripted, x);
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{5, 10}));
  EXPECT_LT((a - b).abs().max().item<double>(), 1e-5);
  // The scripted file keeps dynamic batch and the eval-mode flag.
  EXPECT_FALSE(scripted.is_training());
  fs::remove_all(o.out);
}

TEST(Freeze, BranchyTraceIsFlaggedUnsafeWithDeltaPerBranch) {
  FreezeOptions o;
  o.model = "branchy";
  o.dataset = "none";
  o.out = fresh_path("branchy");
  auto r = freeze_model(o);
  EXPECT_FALSE(r.verdict.trace_safe);
  EXPECT_EQ(r.verdict.recommended, kScriptedFile);
  ASSERT_TRUE(r.source.trace_example.branch.has_value());
  std::string traced_branch = *r.source.trace_example.branch;
  int taken = 0, other = 0;
  for (const auto& p : r.branch_probes) {
    EXPECT_EQ(p.scripted, 0.0) << nlohmann::json(p).dump();
    if (p.branch == traced_branch) {
      ++taken;
      EXPECT_LE(p.traced, 1e-6) << nlohmann::json(p).dump();
    } else {
      ++other;
      EXPECT_GT(p.traced, 0.1) << nlohmann::json(p).dump();
    }
  }
  EXPECT_GE(taken, 1);
  EXPECT_GE(other, 1);
  std::string md = read_file(o.out / kFreezeReportMd);
  EXPECT_NE(md.find("tracing is unsafe"), std::string::npos);
  fs::remove_all(o.out);
}

// Every parameter and buffer of both frozen files is the one saved under the same name in
// weights.pt. Each tensor gets its own seeded random values, so a tensor loaded into the wrong
// layer, transposed, or left at its initialisation is caught (one shared constant would not be).
void expect_frozen_weights_match(const std::string& model) {
  SCOPED_TRACE(model);
  fs::path w = fresh_path("weights_" + model);
  fs::create_directories(w);
  torch::manual_seed(7);
  auto m = make_zoo_model(model);
  std::map<std::string, torch::Tensor> saved;
  {
    torch::NoGradGuard no_grad;
    int64_t k = 0;
    for (auto& p : m->module().named_parameters()) {
      p.value().copy_(torch::randn(p.value().sizes()) * 0.1 + 0.01 * static_cast<double>(++k));
      saved[p.key()] = p.value().detach().clone();
    }
    for (auto& b : m->module().named_buffers()) {
      if (!b.value().is_floating_point()) continue;  // e.g. num_batches_tracked
      // Running variances must stay positive: values in [0.5, 1.5) + 0.01·k.
      b.value().copy_(torch::rand(b.value().sizes()) + 0.5 + 0.01 * static_cast<double>(++k));
      saved[b.key()] = b.value().detach().clone();
    }
  }
  ASSERT_FALSE(saved.empty());
  torch::serialize::OutputArchive ar;
  m->module().save(ar);
  ar.save_to((w / kWeightsFile).string());
  FreezeOptions o;
  o.model = model;
  o.weights = w;
  o.dataset = "none";
  o.seed = 11;  // other random initialisation than the saved weights' seed
  o.out = fresh_path("frozen_" + model);
  freeze_model(o);
  for (const char* file : {kTracedFile, kScriptedFile}) {
    SCOPED_TRACE(file);
    auto frozen = load_torchscript(o.out / file);
    std::map<std::string, torch::Tensor> got;
    for (const auto& p : frozen.named_parameters(/*recurse=*/true)) got[p.name] = p.value;
    for (const auto& b : frozen.named_buffers(/*recurse=*/true))
      if (b.value.is_floating_point()) got[b.name] = b.value;
    std::set<std::string> want_names, got_names;
    for (const auto& [n, t] : saved) want_names.insert(n);
    for (const auto& [n, t] : got) got_names.insert(n);
    EXPECT_EQ(got_names, want_names);
    for (const auto& [name, t] : saved) {
      auto it = got.find(name);
      if (it == got.end()) continue;  // reported by the name comparison above
      EXPECT_TRUE(torch::equal(it->second, t))
          << name << " in " << file << " is not the saved tensor";
    }
  }
  fs::remove_all(w);
  fs::remove_all(o.out);
}

TEST(Freeze, LoadsTrainedWeightsIntoEveryParameterByName) {
  for (const auto& model : zoo_model_names()) expect_frozen_weights_match(model);
}

TEST(Freeze, BringYourOwnTorchScriptIsRetraced) {
  // A user's scripted module with a branch on the data, made here the way Python would.
  torch::jit::Module user(c10::QualifiedName("__torch__.UserNet"));
  user.register_attribute("training", c10::BoolType::get(), false);
  user.register_parameter("w", torch::randn({10, 12}), false);
  user.define(R"(
def forward(self, x):
    y = torch.flatten(x, 1)
    if bool(torch.sum(y) > 0.0):
        return torch.matmul(y, torch.t(self.w))
    return -torch.matmul(y, torch.t(self.w))
)");
  fs::path dir = fresh_path("byo_in");
  fs::create_directories(dir);
  user.save((dir / "user.pt").string());
  FreezeOptions o;
  o.torchscript = dir / "user.pt";
  o.input_shape = "1x3x4";
  o.out = fresh_path("byo_out");
  auto r = freeze_model(o);
  EXPECT_FALSE(r.verdict.trace_safe) << r.verdict.reason;
  EXPECT_EQ(r.summary.scripted.max, 0.0);
  EXPECT_FALSE(r.real_images.has_value());  // not an MNIST-shaped model
  fs::remove_all(dir);
  fs::remove_all(o.out);
}

TEST(Freeze, BadInputsAreOneLineErrorsAndWriteNothing) {
  fs::path out = fresh_path("bad_out");
  fs::path dir = fresh_path("bad_in");
  fs::create_directories(dir);
  write_file_atomic(dir / "junk.pt", "this is not a zip archive");
  struct Case {
    FreezeOptions o;
    std::string expect;
  };
  auto base = [&] {
    FreezeOptions o;
    o.out = out;
    o.dataset = "none";
    return o;
  };
  std::vector<Case> cases;
  {
    auto o = base();
    o.model = "resnet";
    cases.push_back({o, "unknown model 'resnet'"});
  }
  {
    auto o = base();
    o.model = "mlp";
    o.weights = dir / "nowhere";
    cases.push_back({o, "weights folder not found"});
  }
  {
    auto o = base();
    o.model = "mlp";
    o.weights = dir;
    cases.push_back({o, "weights.pt: missing"});
  }
  {
    auto o = base();
    o.torchscript = dir / "junk.pt";
    o.input_shape = "1x1x28x28";
    cases.push_back({o, "not a TorchScript archive"});
  }
  {
    auto o = base();
    o.torchscript = dir / "absent.pt";
    o.input_shape = "1x1x28x28";
    cases.push_back({o, "no such file"});
  }
  {
    auto o = base();
    o.torchscript = dir;
    o.input_shape = "1x1x28x28";
    cases.push_back({o, "is a directory"});
  }
  {
    auto o = base();
    o.model = "simple_cnn";
    o.input_shape = "1x3x32x32";
    cases.push_back({o, "rejects input shape 1x3x32x32"});
  }
  {
    auto o = base();
    o.model = "mlp";
    o.torchscript = dir / "junk.pt";
    cases.push_back({o, "exactly one of"});
  }
  for (const auto& c : cases) {
    try {
      freeze_model(c.o);
      ADD_FAILURE() << "expected an error: " << c.expect;
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
    EXPECT_FALSE(fs::exists(out)) << "half-written output after: " << c.expect;
    for (const auto& e : fs::directory_iterator(out.parent_path())) {
      EXPECT_EQ(e.path().filename().string().find(".kiln_test_bad_out"), std::string::npos)
          << "staging left behind";
    }
  }
  fs::remove_all(dir);
}

}  // namespace kiln

namespace kiln {

// The export's float64 oracle: a dtype a trace wrote into the graph (torch.zeros(..., dtype=...)
// as it ran in float32) and a float32 constant tensor it captured become float64, so the whole
// forward runs in float64 — before, the Linear refused the mix (mat1 and mat2 must have the same
// dtype) and the oracle was lost.
TEST(WidenToFloat64, WrittenDtypesAndCapturedConstantsFollowTheParameters) {
  auto w = torch::randn({3, 4});
  // A module of its own each time (LibTorch plans a method's graph on its first run).
  auto make = [&] {
    torch::jit::Module m("M");
    m.register_parameter("w", w.clone(), false);
    m.define(R"(
def forward(self, x):
    ones = torch.zeros([x.size(0), 4], dtype=6) + 1.0
    return torch.mm(x, self.w.t()) + torch.mm(ones, self.w.t())
)");  // dtype=6: float32, written into the graph as a trace writes it
    // A constant tensor as a trace captures it, added to the output.
    auto graph = m.get_method("forward").graph();
    torch::jit::Node* ret = graph->return_node();
    torch::jit::WithInsertPoint guard(ret);
    torch::jit::Value* c = graph->insertConstant(torch::full({3}, 0.25f));
    ret->replaceInput(0, graph->insert(c10::aten::add, {ret->input(0), c}));
    return m;
  };
  auto x = torch::randn({2, 4});
  auto want = make().forward({x}).toTensor().to(at::kDouble);
  auto parameters_only = make();
  parameters_only.to(at::kDouble);  // the written dtype still makes a float32 operand
  EXPECT_ANY_THROW(parameters_only.forward({x.to(at::kDouble)}));
  auto m = make();
  EXPECT_EQ(widen_to_float64(m), 2) << *m.get_method("forward").graph();  // the dtype argument and the constant
  auto got = m.forward({x.to(at::kDouble)}).toTensor();
  EXPECT_EQ(got.scalar_type(), at::kDouble);
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(widen_to_float64(m), 0);  // nothing float32 is left
}

}  // namespace kiln

namespace kiln {

namespace {

// The tensor constants of a graph, every block.
std::vector<at::Tensor> constant_tensors(std::shared_ptr<torch::jit::Graph> graph) {
  std::vector<at::Tensor> out;
  for (torch::jit::DepthFirstGraphNodeIterator it(graph); torch::jit::Node* n = it.next();) {
    if (n->kind() != c10::prim::Constant) continue;
    auto iv = torch::jit::toIValue(n->output());
    if (iv && iv->isTensor()) out.push_back(iv->toTensor());
  }
  return out;
}

}  // namespace

// The oracle without a float64 copy of the weights: the frozen graph keeps the loaded module's
// float32 storage and casts each weight where it is used; the result is bit for bit the model
// computed in float64 (float32 → float64 is exact). LibTorch's optimizing executor would
// fold every cast of a constant into a float64 constant (the model twice again): forward turns
// it off, and the plan it ran holds no float64 constant.
TEST(Float64Model, CastsEachWeightWhereUsedWithoutAFloat64Copy) {
  auto w = torch::randn({3, 4});
  auto make = [&](const at::Tensor& weight) {
    torch::jit::Module m("M");
    m.register_parameter("w", weight, false);
    m.register_buffer("scale", torch::full({4}, 0.5f));
    m.register_buffer("index", torch::tensor({2, 0}));  // int64: stays so (an index, not a weight)
    m.define(R"(
def forward(self, x):
    ones = torch.zeros([x.size(0), 4], dtype=6) + 1.0
    if bool(x.sum() > 0):
        y = torch.mm(x * self.scale, self.w.t())
    else:
        y = torch.mm(ones, self.w.t())
    return y.index_select(1, self.index)
)");
    return m;
  };
  auto x = torch::randn({2, 4}).abs().to(at::kDouble);
  // Widening the whole module turns the int64 index into float64 too (Module::to converts every
  // buffer): it cannot run. Casting float32 constants only leaves the index an index.
  auto widened = make(w.clone());
  widen_to_float64(widened);
  EXPECT_ANY_THROW(widened.forward({x}));
  const auto wd = w.to(at::kDouble), index = torch::tensor({2, 0});
  for (const auto& input : {x, -x}) {
    auto want = (input.sum().item<double>() > 0 ? torch::mm(input * torch::full({4}, 0.5, at::kDouble), wd.t())
                                                 : torch::mm(torch::ones({2, 4}, at::kDouble), wd.t()))
                    .index_select(1, index);
    Float64Model model(make(w));
    ASSERT_TRUE(model.frozen());
    EXPECT_EQ(model.casts(), 3) << *model.module().get_method("forward").graph();  // w twice (both branches), scale
    // The weight is the caller's storage, not a copy, and still float32.
    bool shares = false;
    for (const auto& t : constant_tensors(model.module().get_method("forward").graph()))
      shares |= t.data_ptr() == w.data_ptr() && t.scalar_type() == at::kFloat;
    EXPECT_TRUE(shares);
    auto got = model.forward({input}).toTensor();
    EXPECT_EQ(got.scalar_type(), at::kDouble);
    EXPECT_TRUE(torch::equal(got, want)) << got << want;
    for (const auto& t : constant_tensors(torch::jit::lastExecutedOptimizedGraph()))
      EXPECT_NE(t.scalar_type(), at::kDouble) << *torch::jit::lastExecutedOptimizedGraph();
    // Why forward turns the optimizer off: with it, the casts are folded into float64 constants.
    model.module().forward({input});
    bool folded = false;
    for (const auto& t : constant_tensors(torch::jit::lastExecutedOptimizedGraph())) folded |= t.scalar_type() == at::kDouble;
    EXPECT_TRUE(folded) << *torch::jit::lastExecutedOptimizedGraph();
  }
}

}  // namespace kiln
