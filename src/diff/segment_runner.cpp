#include "diff/segment_runner.h"

#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "common/error.h"
#include "onnx/graph_view.h"
#include "onnx/model_io.h"

namespace kiln {

namespace {

// The values node `n` reads, those of its subgraphs included.
std::vector<std::string> node_reads(const onnx::NodeProto& n) {
  std::unordered_set<std::string> names(n.input().begin(), n.input().end());
  for (const auto& a : n.attribute()) {
    if (a.has_g()) collect_subgraph_reads(a.g(), names);
    for (const auto& sub : a.graphs()) collect_subgraph_reads(sub, names);
  }
  names.erase("");
  return {names.begin(), names.end()};
}

}  // namespace

SegmentRunner::SegmentRunner(std::shared_ptr<const onnx::ModelProto> model,
                             std::vector<std::vector<std::string>> chunks, size_t samples,
                             SessionOptions options, std::string what)
    : model_(std::move(model)),
      chunks_(std::move(chunks)),
      options_(options),
      what_(std::move(what)),
      computed_(static_cast<size_t>(model_->graph().node_size()), false),
      frontier_(samples) {
  const auto& g = model_->graph();
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& o : g.node(i).output())
      if (!o.empty()) producer_.emplace(o, i);
    reads_.push_back(node_reads(g.node(i)));
    for (const auto& in : reads_.back()) readers_[in].push_back(i);
  }
  for (size_t k = 0; k < chunks_.size(); ++k)
    for (const auto& v : chunks_[k]) last_request_[v] = k;
}

// A value a node not yet run reads, or a later chunk asks for.
bool SegmentRunner::needed_later(const std::string& value) const {
  if (auto it = last_request_.find(value); it != last_request_.end() && it->second > chunk_)
    return true;
  auto r = readers_.find(value);
  if (r == readers_.end()) return false;
  for (int n : r->second)
    if (!computed_[static_cast<size_t>(n)]) return true;
  return false;
}

void SegmentRunner::begin_chunk(size_t k) {
  chunk_ = k;
  keep_.clear();
  session_.reset();
  const auto& g = model_->graph();
  // The nodes this chunk runs: ancestors of its values that no earlier chunk ran.
  std::vector<bool> run(computed_.size(), false);
  std::vector<std::string> stack = chunks_[k];
  std::unordered_set<std::string> seen;
  while (!stack.empty()) {
    std::string v = stack.back();
    stack.pop_back();
    if (!seen.insert(v).second) continue;
    auto p = producer_.find(v);
    if (p == producer_.end()) continue;  // graph input or initializer
    const auto node = static_cast<size_t>(p->second);
    if (computed_[node] || run[node]) continue;
    run[node] = true;
    for (const auto& in : reads_[node]) stack.push_back(in);
  }
  std::vector<int> nodes;
  for (size_t i = 0; i < run.size(); ++i)
    if (run[i]) nodes.push_back(static_cast<int>(i));
  if (nodes.empty()) return;  // everything asked for is in the frontier

  std::unordered_set<std::string> produced, reads;
  for (int n : nodes) {
    for (const auto& o : g.node(n).output()) produced.insert(o);
    for (const auto& in : reads_[static_cast<size_t>(n)]) reads.insert(in);
  }
  onnx::ModelProto part;
  part.set_ir_version(model_->ir_version());
  *part.mutable_opset_import() = model_->opset_import();
  *part.mutable_functions() = model_->functions();
  auto& dst = *part.mutable_graph();
  dst.set_name(g.name());
  std::unordered_set<std::string> initializers;
  for (const auto& t : g.initializer()) {
    initializers.insert(t.name());
    if (reads.count(t.name())) *dst.add_initializer() = t;
  }
  for (const auto& v : g.input())
    if (reads.count(v.name()) && !initializers.count(v.name())) *dst.add_input() = v;
  // Frontier values this chunk reads become inputs, typed as they were computed.
  for (const auto& v : reads) {
    if (produced.count(v) || !producer_.count(v)) continue;
    auto f = frontier_[0].find(v);
    if (f == frontier_[0].end())
      throw Error(fmt::format("internal: {} needs {} but no earlier chunk kept it", what_, v));
    auto* in = dst.add_input();
    in->set_name(v);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int32_t>(f->second.dtype));
    // The rank as computed, every dim free (samples may differ in size).
    auto* shape = tt->mutable_shape();
    for (size_t d = 0; d < f->second.shape.size(); ++d) shape->add_dim();
  }
  for (int n : nodes) *dst.add_node() = g.node(n);
  for (int n : nodes) computed_[static_cast<size_t>(n)] = true;  // needed_later sees this chunk run
  std::set<std::string> outputs;
  for (const auto& v : chunks_[k])
    if (produced.count(v)) outputs.insert(v);
  for (const auto& v : produced) {
    if (!needed_later(v)) continue;
    keep_.push_back(v);
    outputs.insert(v);
  }
  for (const auto& v : outputs) dst.add_output()->set_name(v);
  nodes_run_ += static_cast<int64_t>(nodes.size());
  if (k + 1 == chunks_.size()) model_.reset();  // the last chunk: nothing more is built from it
  std::string bytes = serialize_model(part);
  part.Clear();
  session_.emplace(OrtSession::from_bytes(bytes, options_, what_));
}

ChunkValues SegmentRunner::run(size_t sample, const std::vector<HostTensor>& inputs) {
  auto& frontier = frontier_[sample];
  ChunkValues out;
  if (session_) {
    std::vector<HostTensor> feed;
    for (const auto& info : session_->inputs()) {
      auto f = frontier.find(info.name);
      if (f != frontier.end()) {
        feed.push_back(f->second);
        continue;
      }
      for (const auto& t : inputs)
        if (t.name == info.name) feed.push_back(t);
    }
    out.computed = session_->run_in_place(feed);
    for (size_t i = 0; i < out.computed.size(); ++i) {
      const TensorView& v = out.computed.view(i);
      out.bytes += static_cast<int64_t>(v.bytes);
      out.by_name.emplace(v.name, v);
    }
    for (const auto& v : keep_) frontier[v] = out.by_name.at(v).copy();
  }
  // Values earlier chunks computed: views into the frontier (its nodes do not move).
  for (const auto& v : chunks_[chunk_]) {
    if (out.by_name.count(v)) continue;
    if (auto f = frontier.find(v); f != frontier.end()) out.by_name.emplace(v, view_of(f->second));
  }
  return out;
}

void SegmentRunner::end_chunk() {
  session_.reset();
  for (auto& frontier : frontier_) {
    for (auto it = frontier.begin(); it != frontier.end();) {
      if (needed_later(it->first))
        ++it;
      else
        it = frontier.erase(it);
    }
  }
}

int64_t SegmentRunner::frontier_bytes() const {
  int64_t n = 0;
  for (const auto& f : frontier_)
    for (const auto& [name, t] : f) n += static_cast<int64_t>(t.nbytes());
  return n;
}

}  // namespace kiln
