#include "onnx/untrusted_model.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "common/error.h"
#include "common/tensor_limit.h"
#include "onnx/attribute_guard.h"
#include "onnx/graph_walk.h"
#include "onnx/rank_guard.h"

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

}  // namespace

void check_model_structure(const onnx::ModelProto& model, const std::string& what) {
  // An explicit stack: the walk that bounds the depth must not itself recurse without bound.
  std::vector<std::pair<const NodeList*, int>> stack{{&model.graph().node(), 0}};
  for (const auto& f : model.functions()) stack.push_back({&f.node(), 0});
  int64_t nodes = 0;
  while (!stack.empty()) {
    auto [list, depth] = stack.back();
    stack.pop_back();
    nodes += list->size();
    if (nodes > kMaxModelNodes)
      throw Error(
          fmt::format("{}: more than {} nodes (subgraphs and functions included); kiln's "
                      "bound is {}",
                      what, kMaxModelNodes, kMaxModelNodes));
    for (const auto& n : *list) {
      for (const auto& a : n.attribute()) {
        if (!a.has_g() && a.graphs().empty()) continue;
        if (depth + 1 > kMaxSubgraphDepth)
          throw Error(
              fmt::format("{}: node '{}' ({}) holds subgraphs nested more than {} deep; "
                          "kiln's bound is {} levels of If/Loop/Scan bodies",
                          what, n.name(), n.op_type(), kMaxSubgraphDepth, kMaxSubgraphDepth));
        if (a.has_g()) stack.push_back({&a.g().node(), depth + 1});
        for (const auto& g : a.graphs()) stack.push_back({&g.node(), depth + 1});
      }
    }
  }
}

bool has_external_data(const onnx::ModelProto& model) {
  bool found = false;
  for_each_tensor(model.graph(), [&](const onnx::TensorProto& t) {
    found = found || t.data_location() == onnx::TensorProto::EXTERNAL;
  });
  return found;
}

void check_untrusted_model(const onnx::ModelProto& model, const std::optional<fs::path>& folder,
                           const std::string& what) {
  check_model_structure(model, what);  // first: it bounds every walk below
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
  check_attributes_before_inference(model, what);
  check_ranks_before_inference(model, what);
}

}  // namespace kiln
