#include "optimize/optimizer.h"

#include <functional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <onnx/checker.h>

#include "common/error.h"
#include "onnx/graph_view.h"
#include "optimize/registry.h"

namespace kiln {

namespace {

void count_graph(const onnx::GraphProto& g, ModelStats& s) {
  s.nodes += g.node_size();
  s.initializers += g.initializer_size();
  for (const auto& n : g.node()) {
    for (const auto& a : n.attribute()) {
      if (a.has_g()) count_graph(a.g(), s);
      for (const auto& sub : a.graphs()) count_graph(sub, s);
    }
  }
}

// Runs `pass` on `graph`, then on every subgraph of its nodes (with `graph` as enclosing scope).
int run_on_graph(const PassInfo& pass, onnx::GraphProto& graph, ModelScope& scope,
                 const GraphView* parent) {
  GraphView view(graph, scope, parent);
  int rewrites = pass.run(view);
  view.rebuild();
  for (auto& node : *graph.mutable_node()) {
    for (auto& a : *node.mutable_attribute()) {
      if (a.has_g()) rewrites += run_on_graph(pass, *a.mutable_g(), scope, &view);
      for (auto& g : *a.mutable_graphs()) rewrites += run_on_graph(pass, g, scope, &view);
    }
  }
  return rewrites;
}

// The model's interface: non-initializer inputs and outputs with their types.
std::string signature(const onnx::ModelProto& model) {
  const auto& g = model.graph();
  std::unordered_set<std::string> inits;
  for (const auto& t : g.initializer()) inits.insert(t.name());
  std::string s;
  for (const auto& v : g.input()) {
    if (!inits.count(v.name())) s += "in:" + v.SerializeAsString() + ";";
  }
  for (const auto& v : g.output()) s += "out:" + v.SerializeAsString() + ";";
  return s;
}

// 2: passes the full check (strict shape inference), 1: the basic check, 0: neither.
int check_level(const onnx::ModelProto& model, std::string* error = nullptr) {
  try {
    onnx::checker::check_model(model, false);
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return 0;
  }
  try {
    onnx::checker::check_model(model, true);  // also runs strict shape and type inference
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return 1;
  }
  return 2;
}

void defined_names(const onnx::GraphProto& g, std::unordered_set<std::string>& names) {
  for (const auto& v : g.input()) names.insert(v.name());
  for (const auto& t : g.initializer()) names.insert(t.name());
  for (const auto& n : g.node()) {
    for (const auto& s : n.output()) names.insert(s);
    for (const auto& a : n.attribute()) {
      if (a.has_g()) defined_names(a.g(), names);
      for (const auto& sub : a.graphs()) defined_names(sub, names);
    }
  }
}

// value_info about values a rewrite removed would describe nothing (or mislead a reader).
void drop_stale_value_info(onnx::GraphProto& g, const std::unordered_set<std::string>& names) {
  auto* infos = g.mutable_value_info();
  for (int i = infos->size() - 1; i >= 0; --i) {
    if (!names.count(infos->Get(i).name())) infos->DeleteSubrange(i, 1);
  }
  for (auto& n : *g.mutable_node()) {
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) drop_stale_value_info(*a.mutable_g(), names);
      for (auto& sub : *a.mutable_graphs()) drop_stale_value_info(sub, names);
    }
  }
}

// One fingerprint per main-graph node: the node itself and the contents of the initializers it
// reads, so a pass that rewrites weights in place (BN folding) still marks the node it changed.
std::vector<size_t> node_fingerprints(const onnx::GraphProto& g) {
  std::unordered_map<std::string, size_t> init_hash;
  for (const auto& t : g.initializer()) {
    std::string_view bytes = t.has_raw_data() ? std::string_view(t.raw_data()) : std::string_view();
    size_t h = std::hash<std::string_view>{}(bytes);
    if (!t.has_raw_data()) h = std::hash<std::string>{}(t.SerializeAsString());
    init_hash[t.name()] = h;
  }
  std::vector<size_t> out;
  out.reserve(static_cast<size_t>(g.node_size()));
  for (const auto& n : g.node()) {
    size_t h = std::hash<std::string>{}(n.SerializeAsString());
    for (const auto& in : n.input()) {
      auto it = init_hash.find(in);
      if (it != init_hash.end()) h = h * 1000003u ^ it->second;
    }
    out.push_back(h);
  }
  return out;
}

std::vector<std::string> touched_outputs(const std::vector<size_t>& before,
                                         const onnx::GraphProto& after) {
  std::unordered_multiset<size_t> old(before.begin(), before.end());
  std::vector<size_t> now = node_fingerprints(after);
  std::vector<std::string> out;
  for (int i = 0; i < after.node_size(); ++i) {
    auto it = old.find(now[static_cast<size_t>(i)]);
    if (it != old.end()) {
      old.erase(it);
      continue;
    }
    if (after.node(i).output_size() > 0) out.push_back(after.node(i).output(0));
  }
  return out;
}

}  // namespace

ModelStats model_stats(const onnx::ModelProto& model) {
  ModelStats s;
  count_graph(model.graph(), s);
  s.bytes = static_cast<int64_t>(model.ByteSizeLong());
  return s;
}

int OptimizeResult::rewrites() const {
  int n = 0;
  for (const auto& r : runs) n += r.rewrites;
  return n;
}

int OptimizeResult::rewrites(const std::string& pass) const {
  int n = 0;
  for (const auto& r : runs) n += r.pass == pass ? r.rewrites : 0;
  return n;
}

int apply_pass(onnx::ModelProto& model, const std::string& name) {
  const PassInfo& pass = find_pass(name);
  ModelScope scope(model);
  int rewrites = run_on_graph(pass, *model.mutable_graph(), scope, nullptr);
  if (rewrites > 0) {
    std::unordered_set<std::string> names;
    defined_names(model.graph(), names);
    drop_stale_value_info(*model.mutable_graph(), names);
  }
  return rewrites;
}

OptimizeResult optimize_model(onnx::ModelProto& model, const OptimizeOptions& options) {
  std::vector<const PassInfo*> passes;
  for (const auto& name : options.passes.empty() ? default_pass_names() : options.passes) {
    passes.push_back(&find_pass(name));
  }
  OptimizeResult result;
  result.before = model_stats(model);
  const std::string interface = signature(model);
  const int level = check_level(model);
  const int rounds = options.fixed_point ? std::max(1, options.max_iterations) : 1;
  for (int round = 1; round <= rounds; ++round) {
    result.iterations = round;
    int round_rewrites = 0;
    for (const PassInfo* pass : passes) {
      PassRun run;
      run.pass = pass->name;
      run.iteration = round;
      run.before = round == 1 && result.runs.empty() ? result.before : model_stats(model);
      ModelScope scope(model);
      const std::vector<size_t> fingerprints = node_fingerprints(model.graph());
      run.rewrites = run_on_graph(*pass, *model.mutable_graph(), scope, nullptr);
      if (run.rewrites > 0) {
        run.touched = touched_outputs(fingerprints, model.graph());
        std::unordered_set<std::string> names;
        defined_names(model.graph(), names);
        drop_stale_value_info(*model.mutable_graph(), names);
        if (signature(model) != interface) {
          throw Error(fmt::format("internal error: pass {} changed the model's inputs or outputs",
                                  pass->name));
        }
        std::string error;
        if (options.check_each_pass && check_level(model, &error) < level) {
          throw Error(
              fmt::format("internal error: pass {} left a model the ONNX checker rejects: {}",
                          pass->name, first_line(error)));
        }
      }
      run.after = run.rewrites > 0 ? model_stats(model) : run.before;
      if (run.rewrites > 0 && options.after_pass) options.after_pass(run, model);
      round_rewrites += run.rewrites;
      result.runs.push_back(run);
    }
    if (round_rewrites == 0) {
      result.converged = true;
      break;
    }
  }
  std::string error;
  if (check_level(model, &error) < level) {
    throw Error(fmt::format("internal error: the optimized model fails the ONNX checker: {}",
                            first_line(error)));
  }
  result.after = model_stats(model);
  return result;
}

}  // namespace kiln
