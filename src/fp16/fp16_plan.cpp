#include "fp16/fp16_plan.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

namespace {

// Ops whose FP16 form kiln does not produce: float-only side inputs, generators, quantization.
const std::map<std::string, std::string>& structural() {
  static const std::map<std::string, std::string> ops = {
      {"Resize", "its scales input must stay float32"},
      {"Upsample", "its scales input must stay float32"},
      {"Range", "an index generator, exact in float32 only up to 2^24"},
      {"CumSum", "a running sum that loses precision in FP16"},
      {"TopK", "ranks values that FP16 rounding can tie"},
      {"NonMaxSuppression", "takes float32 thresholds"},
      {"RoiAlign", "its sampling is specified in float32"},
      {"RandomNormal", "a generator with its own dtype attribute"},
      {"RandomUniform", "a generator with its own dtype attribute"},
      {"RandomNormalLike", "a generator with its own dtype attribute"},
      {"RandomUniformLike", "a generator with its own dtype attribute"},
      {"Multinomial", "a generator with its own dtype attribute"},
      {"EyeLike", "a generator with its own dtype attribute"},
      {"Bernoulli", "a generator with its own dtype attribute"},
      {"QuantizeLinear", "quantization: its scales are float32"},
      {"DequantizeLinear", "quantization: its scales are float32"},
      {"DynamicQuantizeLinear", "quantization: float32 only"},
  };
  return ops;
}

const std::set<std::string>& reductions() {
  static const std::set<std::string> ops = {"ReduceSum", "ReduceSumSquare", "ReduceL1",
                                            "ReduceL2",  "ReduceLogSumExp", "ReduceProd",
                                            "ReduceMean"};
  return ops;
}

// Elements each output value of a reduction sums over; -1 when unknown.
int64_t reduced_count(const GraphView& view, const onnx::NodeProto& node) {
  auto shape = view.shape(node.input(0));
  if (!shape) return -1;
  std::vector<int64_t> axes;
  for (const auto& a : node.attribute())
    if (a.name() == "axes") axes.assign(a.ints().begin(), a.ints().end());
  if (axes.empty() && node.input_size() > 1 && !node.input(1).empty()) {
    auto v = view.constant_values(node.input(1));
    if (!v) return -1;
    for (double d : *v) axes.push_back(static_cast<int64_t>(d));
  }
  const auto rank = static_cast<int64_t>(shape->size());
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);  // default: every axis
  int64_t n = 1;
  for (int64_t a : axes) {
    int64_t d = (*shape)[static_cast<size_t>(a < 0 ? a + rank : a)];
    if (d < 0) return -1;
    n *= d;
  }
  return n;
}

std::string unsafe_reason(const GraphView& view, const onnx::NodeProto& node) {
  if (node.op_type() == "Exp")
    return "Exp overflows FP16 above x = 11.1 (inputs without max subtraction); --allow-unsafe-ops "
           "converts it";
  if (node.op_type() == "Pow") return "Pow overflows FP16 quickly; --allow-unsafe-ops converts it";
  if (reductions().count(node.op_type())) {
    int64_t n = reduced_count(view, node);
    if (n < 0)
      return node.op_type() + " over an unknown number of elements; --allow-unsafe-ops converts it";
    if (n > kFp16LongReduction)
      return fmt::format(
          "{} over {} elements (> {}): an FP16 sum overflows or drops the small "
          "terms; --allow-unsafe-ops converts it",
          node.op_type(), n, kFp16LongReduction);
  }
  return "";
}

std::string range_reason(const onnx::NodeProto& node,
                         const std::map<std::string, ActivationStats>& stats) {
  auto check = [&](const std::string& t) -> std::string {
    auto it = stats.find(t);
    if (it == stats.end()) return "";
    const ActivationStats& s = it->second;
    if (s.max_abs > kFp16Max)
      return fmt::format("'{}' reaches |x| = {:.4g}, beyond FP16's 65504", t, s.max_abs);
    if (s.flushed_share() > kFp16FlushedShare)
      return fmt::format(
          "{:.1f}% of the nonzero values of '{}' are below 2^-25 and would become 0 "
          "in FP16",
          100 * s.flushed_share(), t);
    return "";
  };
  for (const auto& t : node.output())
    if (auto r = check(t); !r.empty()) return r;
  for (const auto& t : node.input())
    if (auto r = check(t); !r.empty()) return r;
  return "";
}

}  // namespace

std::map<int, std::string> plan_fp16(const GraphView& view, const Fp16PlanOptions& options,
                                     const std::map<std::string, ActivationStats>& stats) {
  std::set<std::string> names, block_ops(options.block_ops.begin(), options.block_ops.end());
  for (int i = 0; i < view.node_count(); ++i) names.insert(view.node(i).name());
  for (const auto& n : options.block_nodes)
    if (!names.count(n)) throw UsageError("--block-nodes: no node is named '" + n + "'");
  std::set<std::string> block_nodes(options.block_nodes.begin(), options.block_nodes.end());

  std::map<int, std::string> blocked;
  for (int i = 0; i < view.node_count(); ++i) {
    const onnx::NodeProto& node = view.node(i);
    std::string why;
    if (!is_standard_domain(node.domain()))
      why = "an op of domain '" + node.domain() + "': its FP16 support is unknown";
    else if (has_subgraph(node))
      why = "control flow: its subgraphs stay FP32";
    else if (auto it = structural().find(node.op_type()); it != structural().end())
      why = node.op_type() + ": " + it->second;
    else if (block_nodes.count(node.name()))
      why = "--block-nodes";
    else if (block_ops.count(node.op_type()))
      why = "--block-ops " + node.op_type();
    else if (std::string r = range_reason(node, stats); !r.empty())
      why = r;
    else if (!options.allow_unsafe_ops)
      why = unsafe_reason(view, node);
    if (!why.empty()) blocked[i] = why;
  }
  return blocked;
}

}  // namespace kiln
