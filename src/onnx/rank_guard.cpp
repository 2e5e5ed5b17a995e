#include "onnx/rank_guard.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <onnx/shape_inference/implementation.h>

#include "common/error.h"
#include "onnx/graph_view.h"
#include "onnx/graph_walk.h"

namespace kiln {

namespace {

// Every rank a value may have: what it is declared with anywhere and what inference gave it.
using Ranks = std::map<std::string, std::set<int>>;
// A value with a shape that is not a plain tensor's (sparse, sequence, optional): the guarded
// inference functions read `tensor_type().shape()` of it, an empty shape.
constexpr int kNotTensor = -1;

// The domain guarded nodes are moved to in the copy: ONNX inference skips ops it has no schema for.
constexpr const char* kSetAside = "kiln.set_aside";

void add_rank(Ranks& ranks, const std::string& name, const onnx::TypeProto& t) {
  if (t.has_tensor_type()) {
    if (t.tensor_type().has_shape()) ranks[name].insert(t.tensor_type().shape().dim_size());
  } else if ((t.has_sparse_tensor_type() && t.sparse_tensor_type().has_shape()) ||
             (t.has_sequence_type() && t.sequence_type().has_elem_type()) ||
             (t.has_optional_type() && t.optional_type().has_elem_type())) {
    ranks[name].insert(kNotTensor);
  }
}

void collect_ranks(const onnx::GraphProto& g, Ranks& ranks) {
  for (const auto* list : {&g.input(), &g.output(), &g.value_info()})
    for (const auto& v : *list) add_rank(ranks, v.name(), v.type());
  for (const auto& t : g.initializer()) ranks[t.name()].insert(t.dims_size());
  for (const auto& s : g.sparse_initializer()) ranks[s.values().name()].insert(s.dims_size());
  for (const auto& n : g.node())
    for (const auto& a : n.attribute()) {
      if (a.has_g()) collect_ranks(a.g(), ranks);
      for (const auto& sub : a.graphs()) collect_ranks(sub, ranks);
    }
}

// The ranks input `i` of `node` may have (empty: none known, inference stops there).
std::set<int> ranks_of(const onnx::NodeProto& node, int i, const Ranks& ranks) {
  if (i >= node.input_size() || node.input(i).empty()) return {};
  auto it = ranks.find(node.input(i));
  return it == ranks.end() ? std::set<int>{} : it->second;
}

std::string rank_text(int rank) {
  return rank == kNotTensor ? std::string("a shape that is not a tensor's")
                            : fmt::format("rank {}", rank);
}

// --- Einsum ---------------------------------------------------------------------------------
struct EinsumTerm {
  std::string text;
  int letters = 0;
  bool ellipsis = false;
};

// The operand terms as ONNX 1.17 reads them: spaces dropped, the left of the first "->", split at
// every comma (a trailing comma makes one more, empty, term).
std::vector<EinsumTerm> einsum_terms(std::string equation) {
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  std::vector<EinsumTerm> terms(1);
  for (char c : equation.substr(0, equation.find("->"))) {
    if (c == ',') {
      terms.emplace_back();
      continue;
    }
    terms.back().text += c;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ++terms.back().letters;
  }
  for (auto& t : terms) t.ellipsis = t.text.find("...") != std::string::npos;
  return terms;
}

void check_einsum(const onnx::NodeProto& node, const Ranks& ranks, const std::string& what) {
  for (const auto& a : node.attribute()) {
    // ONNX reads the string of an attribute named "equation", whatever its declared type.
    if (a.name() != "equation" || a.s().empty()) continue;
    const std::string where =
        fmt::format("{}: Einsum node '{}' (equation '{}')", what, node.name(), a.s());
    auto terms = einsum_terms(a.s());
    if (terms.size() != static_cast<size_t>(node.input_size())) {
      throw Error(fmt::format("{} has {} operand terms for {} inputs", where, terms.size(),
                              node.input_size()));
    }
    std::optional<int> span;  // the dimensions every ellipsis stands for
    for (int i = 0; i < node.input_size(); ++i) {
      const EinsumTerm& t = terms[static_cast<size_t>(i)];
      for (int rank : ranks_of(node, i, ranks)) {
        if (rank == kNotTensor || (t.ellipsis ? rank < t.letters : rank != t.letters)) {
          throw Error(fmt::format("{}: input '{}' has {} but its term '{}' names {} dimensions",
                                  where, node.input(i), rank_text(rank), t.text, t.letters));
        }
        if (!t.ellipsis) continue;
        if (span && *span != rank - t.letters) {
          throw Error(fmt::format("{}: its ellipses stand for different numbers of dimensions "
                                  "({} and {})",
                                  where, *span, rank - t.letters));
        }
        span = rank - t.letters;
      }
    }
  }
}

// --- ConvTranspose ----------------------------------------------------------------------------
// ONNX 1.17 takes the kernel's spatial size from W's dimensions 2.. and indexes it, the dilations
// and W's dimension 1 by X's spatial rank.
void check_conv_transpose(const onnx::NodeProto& node, const Ranks& ranks,
                          const std::string& what) {
  const std::string where = fmt::format("{}: ConvTranspose node '{}'", what, node.name());
  const auto x = ranks_of(node, 0, ranks), w = ranks_of(node, 1, ranks);
  for (int i = 0; i < 2; ++i) {
    for (int rank : i == 0 ? x : w) {
      if (rank == kNotTensor || rank < 3) {
        throw Error(fmt::format("{}: input '{}' has {}; {} needs at least 3 dimensions", where,
                                node.input(i), rank_text(rank),
                                i == 0 ? "X (N x C x D1...)" : "W (C x M/group x k1...)"));
      }
    }
  }
  for (int rx : x)
    for (int rw : w)
      if (rx != rw) {
        throw Error(fmt::format("{}: X '{}' has rank {} but W '{}' has rank {} (they must match)",
                                where, node.input(0), rx, node.input(1), rw));
      }
}

using Check = void (*)(const onnx::NodeProto&, const Ranks&, const std::string&);

Check guard_for(const onnx::NodeProto& n) {
  if (!n.domain().empty() && n.domain() != "ai.onnx") return nullptr;
  if (n.op_type() == "Einsum") return check_einsum;
  if (n.op_type() == "ConvTranspose") return check_conv_transpose;
  return nullptr;
}

// Names computed, directly or not, from an output of a node still set aside.
std::unordered_set<std::string> downstream_of(const onnx::ModelProto& model,
                                              const std::vector<const onnx::NodeProto*>& aside) {
  std::unordered_set<std::string> pending;
  for (const auto* n : aside) pending.insert(n->output().begin(), n->output().end());
  for (bool grew = true; grew;) {
    grew = false;
    for_each_node(model.graph(), [&](const onnx::NodeProto& n) {
      std::unordered_set<std::string> reads(n.input().begin(), n.input().end());
      for (const auto& a : n.attribute()) {
        if (a.has_g()) collect_subgraph_reads(a.g(), reads);
        for (const auto& g : a.graphs()) collect_subgraph_reads(g, reads);
      }
      if (std::none_of(reads.begin(), reads.end(),
                       [&](const std::string& r) { return pending.count(r) > 0; }))
        return;
      for (const auto& o : n.output()) grew = pending.insert(o).second || grew;
    });
  }
  return pending;
}

// Conv, ConvInteger, DeformConv and QLinearConv take their kernel from W's dimensions 2.. when
// kernel_shape is absent; the index of W, or -1 for any other node.
int conv_weight_index(const onnx::NodeProto& n) {
  if (!n.domain().empty() && n.domain() != "ai.onnx") return -1;
  if (n.op_type() == "Conv" || n.op_type() == "ConvInteger" || n.op_type() == "DeformConv")
    return 1;
  return n.op_type() == "QLinearConv" ? 3 : -1;
}

// ONNX 1.17's Conv inference indexes X's dimensions and the dilations by W's spatial rank: a W of
// higher rank than X reads past them (fuzz finding 7). Checked against the ranks X and W are
// declared with (inputs, outputs, value_info, initializers); ranks only inference would give are
// not, as that would cost an inference round per layer of convolutions.
void check_conv_weight_ranks(const onnx::ModelProto& model, const std::string& what) {
  Ranks declared;
  collect_ranks(model.graph(), declared);
  for_each_node(model.graph(), [&](const onnx::NodeProto& n) {
    const int w = conv_weight_index(n);
    if (w < 0) return;
    for (int rx : ranks_of(n, 0, declared))
      for (int rw : ranks_of(n, w, declared))
        if (rx != kNotTensor && rw != kNotTensor && rw > rx) {
          throw Error(fmt::format("{}: {} node '{}': W '{}' has rank {} but X '{}' has rank {} "
                                  "(they must match)",
                                  what, n.op_type(), n.name(), n.input(w), rw, n.input(0), rx));
        }
  });
}

}  // namespace

void check_ranks_before_inference(const onnx::ModelProto& model, const std::string& what) {
  check_conv_weight_ranks(model, what);
  for (const auto& f : model.functions())
    for (const auto& n : f.node())
      if (guard_for(n)) {
        throw Error(fmt::format("{}: function '{}' holds a {} node, which kiln does not accept "
                                "inside model-local functions",
                                what, f.name(), n.op_type()));
      }
  std::vector<const onnx::NodeProto*> guarded;
  for_each_node(model.graph(), [&](const onnx::NodeProto& n) {
    if (guard_for(n)) guarded.push_back(&n);
  });
  if (guarded.empty()) return;

  // The copy ONNX infers, guarded nodes set aside; `aside[k]` is guarded[k]'s copy.
  onnx::ModelProto copy = model;
  std::vector<onnx::NodeProto*> aside;
  for_each_node(*copy.mutable_graph(), [&](onnx::NodeProto& n) {
    if (guard_for(n)) aside.push_back(&n);
  });
  for (auto* n : aside) n->set_domain(kSetAside);
  auto* opset = copy.add_opset_import();
  opset->set_domain(kSetAside);
  opset->set_version(1);
  Ranks declared;
  collect_ranks(model.graph(), declared);

  std::vector<bool> settled(guarded.size(), false);
  for (size_t left = guarded.size(); left > 0;) {
    try {
      onnx::shape_inference::InferShapes(copy);
    } catch (const std::exception& e) {
      // Inference that gives up part way leaves ranks unknown that ONNX Runtime (another node
      // order) might still infer: the guarded nodes cannot be vouched for.
      throw Error(fmt::format("{}: ONNX shape inference failed ({}), so the ranks of its {} "
                              "inputs cannot be checked",
                              what, first_line(e.what()), guarded[0]->op_type()));
    }
    Ranks ranks = declared;
    collect_ranks(copy.graph(), ranks);
    std::vector<const onnx::NodeProto*> unsettled;
    for (size_t k = 0; k < guarded.size(); ++k)
      if (!settled[k]) unsettled.push_back(guarded[k]);
    const auto pending = downstream_of(model, unsettled);
    size_t put_back = 0;
    const onnx::NodeProto* waiting = nullptr;
    for (size_t k = 0; k < guarded.size(); ++k) {
      if (settled[k]) continue;
      const auto& in = guarded[k]->input();
      if (std::any_of(in.begin(), in.end(),
                      [&](const std::string& r) { return pending.count(r) > 0; })) {
        waiting = guarded[k];
        continue;
      }
      guard_for(*guarded[k])(*guarded[k], ranks, what);
      aside[k]->set_domain(guarded[k]->domain());
      settled[k] = true;
      ++put_back;
    }
    if (put_back == 0) {
      throw Error(fmt::format("{}: {} node '{}' reads a value computed from its own output (the "
                              "graph has a cycle)",
                              what, waiting->op_type(), waiting->name()));
    }
    left -= put_back;
  }
}

}  // namespace kiln
