#include "onnx/untrusted_model.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <onnx/shape_inference/implementation.h>

#include "common/error.h"
#include "common/tensor_limit.h"
#include "onnx/graph_view.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// Calls `visit` on every tensor a graph holds: initializers, sparse initializers and tensor
// attributes, recursing into subgraphs.
void for_each_tensor(const onnx::GraphProto& graph,
                     const std::function<void(const onnx::TensorProto&)>& visit) {
  for (const auto& t : graph.initializer()) visit(t);
  for (const auto& s : graph.sparse_initializer()) {
    visit(s.values());
    visit(s.indices());
  }
  for (const auto& node : graph.node()) {
    for (const auto& a : node.attribute()) {
      if (a.has_t()) visit(a.t());
      for (const auto& t : a.tensors()) visit(t);
      if (a.has_sparse_tensor()) {
        visit(a.sparse_tensor().values());
        visit(a.sparse_tensor().indices());
      }
      for (const auto& s : a.sparse_tensors()) {
        visit(s.values());
        visit(s.indices());
      }
      if (a.has_g()) for_each_tensor(a.g(), visit);
      for (const auto& g : a.graphs()) for_each_tensor(g, visit);
    }
  }
}

void for_each_graph(const onnx::GraphProto& graph,
                    const std::function<void(const onnx::GraphProto&)>& visit) {
  visit(graph);
  for (const auto& node : graph.node()) {
    for (const auto& a : node.attribute()) {
      if (a.has_g()) for_each_graph(a.g(), visit);
      for (const auto& g : a.graphs()) for_each_graph(g, visit);
    }
  }
}

size_t element_size(int32_t elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT64:
    case onnx::TensorProto::COMPLEX64:
      return 8;
    case onnx::TensorProto::COMPLEX128:
      return 16;
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32:
      return 4;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
      return 2;
    default:
      return 1;  // 8-bit, bool, string (at least a byte each), 4-bit rounded up
  }
}

void check_external_location(const onnx::TensorProto& t, const std::optional<fs::path>& folder,
                             const std::string& what) {
  for (const auto& kv : t.external_data()) {
    if (kv.key() != "location") continue;
    const std::string& loc = kv.value();
    if (!folder) {
      throw Error(
          fmt::format("{}: tensor '{}' keeps its data in external file '{}', which a model "
                      "read from memory cannot use",
                      what, t.name(), loc));
    }
    // ONNX Runtime reads this tag as "the data is at a raw memory address": never from a file.
    if (loc.find("_ORT_MEM_ADDR_") != std::string::npos) {
      throw Error(
          fmt::format("{}: tensor '{}' names ONNX Runtime's memory-address tag as its "
                      "external data location",
                      what, t.name()));
    }
    fs::path rel(loc);
    if (loc.empty() || rel.is_absolute() || rel.has_root_name()) {
      throw Error(fmt::format("{}: tensor '{}' points at absolute external data path '{}'", what,
                              t.name(), loc));
    }
    for (const auto& part : rel) {
      if (part == "..") {
        throw Error(
            fmt::format("{}: tensor '{}' external data '{}' points outside the model's "
                        "folder",
                        what, t.name(), loc));
      }
    }
    std::error_code ec;
    fs::path base = fs::weakly_canonical(folder->empty() ? fs::path(".") : *folder, ec);
    fs::path target = fs::weakly_canonical(base / rel, ec);
    if (ec || !fs::is_regular_file(target, ec)) {
      throw Error(
          fmt::format("{}: tensor '{}' external data file '{}' is missing", what, t.name(), loc));
    }
    // A symlink inside the folder may still lead out of it.
    auto [b, tgt] = std::mismatch(base.begin(), base.end(), target.begin(), target.end());
    if (b != base.end()) {
      throw Error(
          fmt::format("{}: tensor '{}' external data '{}' resolves outside the model's "
                      "folder",
                      what, t.name(), loc));
    }
  }
}


// --- Einsum equations against their inputs' ranks -------------------------------------------
// Debian's ONNX 1.17 Einsum shape inference indexes an input's dimensions by the labels of its
// equation term without comparing the term to the input's rank: a term naming more labels than the
// input has dimensions (or an ellipsis spanning more dimensions than the first one did) reads past
// the end of the shape, a null read (fuzz_onnx_model finding; later ONNX releases check the rank).
// ONNX Runtime links the same libonnx, so the checker, kiln's optimizer and every ONNX Runtime
// session run that code. Every Einsum is therefore checked against every rank its inputs can have
// before any shape inference runs: the ranks come from the model's declarations and from ONNX's
// own inference on a copy in which Einsum equations are blanked (inference then skips them) and
// are put back, checked, once nothing they read depends on a still-blanked Einsum.

bool is_einsum(const onnx::NodeProto& n) {
  return n.op_type() == "Einsum" && (n.domain().empty() || n.domain() == "ai.onnx");
}

// Every node of the graph and of its subgraphs, in a fixed order (the same for a copy).
void for_each_node(const onnx::GraphProto& graph,
                   const std::function<void(const onnx::NodeProto&)>& visit) {
  for (const auto& node : graph.node()) {
    visit(node);
    for (const auto& a : node.attribute()) {
      if (a.has_g()) for_each_node(a.g(), visit);
      for (const auto& g : a.graphs()) for_each_node(g, visit);
    }
  }
}

void for_each_node(onnx::GraphProto& graph, const std::function<void(onnx::NodeProto&)>& visit) {
  for (auto& node : *graph.mutable_node()) {
    visit(node);
    for (auto& a : *node.mutable_attribute()) {
      if (a.has_g()) for_each_node(*a.mutable_g(), visit);
      for (auto& g : *a.mutable_graphs()) for_each_node(g, visit);
    }
  }
}

// What ONNX's Einsum inference sees for one input: nothing (no shape: it stops), a tensor rank,
// or a shape that is not a plain tensor's (it would read an empty tensor shape).
constexpr int kNotTensor = -1;

void add_rank(std::map<std::string, std::set<int>>& ranks, const std::string& name,
              const onnx::TypeProto& t) {
  if (t.has_tensor_type()) {
    if (t.tensor_type().has_shape()) ranks[name].insert(t.tensor_type().shape().dim_size());
  } else if ((t.has_sparse_tensor_type() && t.sparse_tensor_type().has_shape()) ||
             (t.has_sequence_type() && t.sequence_type().has_elem_type()) ||
             (t.has_optional_type() && t.optional_type().has_elem_type())) {
    ranks[name].insert(kNotTensor);
  }
}

void collect_ranks(const onnx::GraphProto& g, std::map<std::string, std::set<int>>& ranks) {
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

struct EinsumTerm {
  std::string text;
  int letters = 0;
  bool ellipsis = false;
};

// The operand terms as ONNX 1.17 reads them: spaces dropped, the left of the first "->", split at
// every comma (a trailing comma is one more, empty, term).
std::vector<EinsumTerm> einsum_terms(std::string equation) {
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  std::string left = equation.substr(0, equation.find("->"));
  std::vector<EinsumTerm> terms(1);
  for (char c : left) {
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

void check_einsum(const onnx::NodeProto& node, const std::map<std::string, std::set<int>>& ranks,
                  const std::string& what) {
  for (const auto& a : node.attribute()) {
    if (a.name() != "equation" || !a.has_s() || a.s().empty()) continue;
    const std::string where =
        fmt::format("{}: Einsum node '{}' (equation '{}')", what, node.name(), a.s());
    auto terms = einsum_terms(a.s());
    if (terms.size() != static_cast<size_t>(node.input_size())) {
      throw Error(fmt::format("{} has {} operand terms for {} inputs", where, terms.size(),
                              node.input_size()));
    }
    std::optional<int> span;  // dimensions every ellipsis stands for
    for (size_t i = 0; i < terms.size(); ++i) {
      auto it = ranks.find(node.input(static_cast<int>(i)));
      if (node.input(static_cast<int>(i)).empty() || it == ranks.end()) continue;
      const EinsumTerm& t = terms[i];
      for (int rank : it->second) {
        const std::string input = node.input(static_cast<int>(i));
        if (rank == kNotTensor) throw Error(fmt::format("{}: input '{}' is not a tensor", where, input));
        if (t.ellipsis ? rank < t.letters : rank != t.letters) {
          throw Error(fmt::format("{}: input '{}' has rank {} but its term '{}' names {} dimensions",
                                  where, input, rank, t.text, t.letters));
        }
        if (!t.ellipsis) continue;
        if (span && *span != rank - t.letters) {
          throw Error(fmt::format("{}: its ellipses stand for different numbers of dimensions ({} "
                                  "and {})", where, *span, rank - t.letters));
        }
        span = rank - t.letters;
      }
    }
  }
}

void check_einsum_nodes(const onnx::ModelProto& model, const std::string& what) {
  for (const auto& f : model.functions())
    for (const auto& n : f.node())
      if (is_einsum(n)) {
        throw Error(fmt::format("{}: function '{}' holds an Einsum, which kiln does not accept "
                                "inside model-local functions", what, f.name()));
      }
  std::vector<const onnx::NodeProto*> original;
  for_each_node(model.graph(), [&](const onnx::NodeProto& n) {
    if (is_einsum(n)) original.push_back(&n);
  });
  if (original.empty()) return;

  // The copy, Einsum equations blanked, in the same order as `original`.
  onnx::ModelProto copy = model;
  std::vector<onnx::NodeProto*> blanked;
  for_each_node(*copy.mutable_graph(), [&](onnx::NodeProto& n) {
    if (is_einsum(n)) blanked.push_back(&n);
  });
  auto set_equations = [](onnx::NodeProto& to, const onnx::NodeProto* from) {
    for (int i = 0; i < to.attribute_size(); ++i)
      if (to.attribute(i).name() == "equation")
        to.mutable_attribute(i)->set_s(from ? from->attribute(i).s() : std::string());
  };
  for (auto* n : blanked) set_equations(*n, nullptr);
  std::map<std::string, std::set<int>> declared;
  collect_ranks(model.graph(), declared);

  std::vector<bool> settled(original.size(), false);
  size_t left = original.size();
  while (left > 0) {
    try {
      onnx::shape_inference::InferShapes(copy);
    } catch (const std::exception&) {
      // What inference could not type stays untyped; the checker names the problem later.
    }
    std::map<std::string, std::set<int>> ranks = declared;
    collect_ranks(copy.graph(), ranks);
    // Values downstream of a still-blanked Einsum: their types may change once it is put back.
    std::unordered_set<std::string> pending;
    for (size_t k = 0; k < original.size(); ++k)
      if (!settled[k])
        for (const auto& o : original[k]->output()) pending.insert(o);
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
    size_t put_back = 0;
    const onnx::NodeProto* waiting = nullptr;
    for (size_t k = 0; k < original.size(); ++k) {
      if (settled[k]) continue;
      const auto& in = original[k]->input();
      if (std::any_of(in.begin(), in.end(),
                      [&](const std::string& r) { return pending.count(r) > 0; })) {
        waiting = original[k];
        continue;
      }
      check_einsum(*original[k], ranks, what);
      set_equations(*blanked[k], original[k]);
      settled[k] = true;
      ++put_back;
    }
    if (put_back == 0) {
      throw Error(fmt::format("{}: Einsum node '{}' reads a value computed from its own output "
                              "(the graph has a cycle)",
                              what, waiting->name()));
    }
    left -= put_back;
  }
}

}  // namespace

bool has_external_data(const onnx::ModelProto& model) {
  bool found = false;
  for_each_tensor(model.graph(), [&](const onnx::TensorProto& t) {
    found = found || t.data_location() == onnx::TensorProto::EXTERNAL;
  });
  return found;
}

void check_untrusted_model(const onnx::ModelProto& model, const std::optional<fs::path>& folder,
                           const std::string& what) {
  for_each_tensor(model.graph(), [&](const onnx::TensorProto& t) {
    Shape dims(t.dims().begin(), t.dims().end());
    check_tensor_size(dims, element_size(t.data_type()),
                      fmt::format("{}: tensor '{}'", what, t.name()));
    if (t.data_location() == onnx::TensorProto::EXTERNAL) check_external_location(t, folder, what);
  });
  for_each_graph(model.graph(), [&](const onnx::GraphProto& g) {
    for (const auto& vi : g.input()) {
      if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) continue;
      Shape dims;
      for (const auto& d : vi.type().tensor_type().shape().dim())
        dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : 1);  // symbolic: 1
      check_tensor_size(dims, element_size(vi.type().tensor_type().elem_type()),
                        fmt::format("{}: input '{}'", what, vi.name()));
    }
  });
  check_einsum_nodes(model, what);
}

}  // namespace kiln
