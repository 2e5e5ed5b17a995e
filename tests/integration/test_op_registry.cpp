// The converter registry: registration rules, opset dispatch, and that every key names an op
// LibTorch really has (a typo in a key is an op silently never converted).
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include <torch/csrc/jit/ir/irparser.h>
#include <torch/csrc/jit/runtime/operator.h>
#include <torch/script.h>

#include "common/error.h"
#include "export/op_registry.h"
#include "export/op_signature.h"
#include "torchscript/op_libraries.h"

namespace kiln {
namespace {

void nothing(ExportContext&, const Node*, const Args&) {}

std::shared_ptr<torch::jit::Graph> graph_of(const std::string& ir) {
  auto g = std::make_shared<torch::jit::Graph>();
  torch::jit::parseIR(ir, g.get());
  return g;
}

const Node* first_node(const torch::jit::Graph& g, const std::string& kind) {
  for (const Node* n : g.nodes())
    if (n->kind().toQualString() == kind) return n;
  throw std::runtime_error("no " + kind);
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

TEST(OpRegistry, RegistrationRulesCatchProgrammingErrorsAtStartUp) {
  OpRegistry r;
  r.add("aten::foo|aten::foo_", "v", nothing, "Foo");
  r.add("aten::foo", "v i", nothing, "Foo-18", {.since = 18});
  EXPECT_THROW(r.add("aten::foo", "v", nothing, "again"), std::logic_error);  // same key, same opset
  EXPECT_THROW(r.add("aten::bar", "v banana", nothing, "Bar"), std::logic_error);  // unknown kind
  EXPECT_THROW(r.add("aten::bar", "... v", nothing, "Bar"), std::logic_error);     // variadic not last
  EXPECT_THROW(r.add("bar", "v", nothing, "Bar"), std::logic_error);               // no namespace
  EXPECT_THROW(r.add("aten::bar||aten::baz", "v", nothing, "Bar"), std::logic_error);
  EXPECT_THROW(r.add("aten::bar", "v", nothing, "Bar", {.since = kMaxOpset + 1}), std::logic_error);
  // the same key may live in both worlds (aten::add on tensors and on ints)
  r.add("aten::foo", "any any", nothing, "int foo", {.world = OpWorld::Scalar});
  const OpEntry* foo = r.find("aten::foo", OpWorld::Tensor);
  ASSERT_NE(foo, nullptr);
  ASSERT_EQ(foo->versions.size(), 2u);
  EXPECT_EQ(foo->versions[0].since, kMinOpset);  // ascending, whatever the order of registration
  EXPECT_EQ(foo->versions[1].since, 18);
  EXPECT_EQ(foo->versions[1].signature.kinds.size(), 2u);
  EXPECT_NE(r.find("aten::foo_", OpWorld::Tensor), nullptr);
  EXPECT_NE(r.find("aten::foo", OpWorld::Scalar), nullptr);
  EXPECT_EQ(r.find("aten::bar", OpWorld::Tensor), nullptr);
}

TEST(OpRegistry, TheNewestVersionTheOpsetAllowsIsChosenAndTooOldAnOpsetIsNamed) {
  auto g = graph_of(R"IR(graph(%x : Float(2, 3)):
  %approx : str = prim::Constant[value="none"]()
  %y : Float(2, 3) = aten::gelu(%x, %approx)
  %n : int = prim::Constant[value=4]()
  %none : NoneType = prim::Constant()
  %w : Float(4) = aten::hann_window(%n, %none, %none, %none, %none)
  return (%y, %w))IR");
  const Node* gelu = first_node(*g, "aten::gelu");
  EXPECT_EQ(select_converter(gelu, 13)->version->since, kMinOpset);
  EXPECT_EQ(select_converter(gelu, 19)->version->since, kMinOpset);
  EXPECT_EQ(select_converter(gelu, 20)->version->since, 20);
  const Node* window = first_node(*g, "aten::hann_window");  // ONNX has HannWindow from opset 17
  EXPECT_EQ(select_converter(window, 17)->version->since, 17);
  std::string m = error_of([&] { select_converter(window, 16); });
  EXPECT_NE(m.find("kiln converts aten::hann_window from opset 17 (--opset 16 was asked"), std::string::npos) << m;
}

TEST(OpRegistry, AnOpWithoutAConverterIsNoneAndTheOverloadDecidesTheEntry) {
  auto g = graph_of(R"IR(graph(%x : Float(2, 3)):
  %k : int = prim::Constant[value=1]()
  %d : int = prim::Constant[value=0]()
  %t : bool = prim::Constant[value=1]()
  %v : Float(1, 3), %i : Long(1, 3) = aten::kthvalue(%x, %k, %d, %t)
  %m : Float(1, 3), %j : Long(1, 3) = aten::max(%x, %d, %t)
  return (%v, %m))IR");
  EXPECT_FALSE(select_converter(first_node(*g, "aten::kthvalue"), 17).has_value());
  auto max = select_converter(first_node(*g, "aten::max"), 17);
  ASSERT_TRUE(max.has_value());
  EXPECT_EQ(max->entry->key, "aten::max.dim");
}

TEST(OpRegistry, EveryKeyNamesAnOpAndOverloadLibTorchHas) {
  auto torchvision = find_torchvision_library();  // torchvision's ops register when it loads
  ASSERT_TRUE(torchvision.has_value()) << "the toolchain installs python3-torchvision";
  load_op_libraries({*torchvision});
  std::vector<std::string> missing;
  size_t checked = 0;
  for (OpWorld world : {OpWorld::Tensor, OpWorld::Scalar}) {
    for (const auto& [key, entry] : op_registry().entries(world)) {
      auto dot = key.find('.', key.find("::"));
      std::string name = key.substr(0, dot);
      std::string overload = dot == std::string::npos ? "" : key.substr(dot + 1);
      auto ops = torch::jit::getAllOperatorsFor(c10::Symbol::fromQualString(name));
      bool prim = key.rfind("prim::", 0) == 0;  // prim:: nodes (ListConstruct, If, Loop) have no schema
      bool found = prim && overload.empty();
      for (const auto& op : ops) found |= overload.empty() || op->schema().overload_name() == overload;
      if (!found) missing.push_back(key);
      ++checked;
    }
  }
  EXPECT_GT(checked, 500u);
  EXPECT_TRUE(missing.empty()) << ::testing::PrintToString(missing);
}

}  // namespace kiln
