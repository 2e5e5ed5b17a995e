#include "diff/diff_models.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "common/error.h"
#include "common/process_memory.h"
#include "common/shape.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"
#include "diff/explain.h"
#include "diff/localize.h"
#include "diff/tensor_match.h"
#include "diff/tensor_stats.h"
#include "onnx/graph_edit.h"
#include "onnx/model_io.h"
#include "runtime/ort_session.h"
#include "runtime/random_inputs.h"

namespace kiln {

namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

// One input set: a description and its tensors.
struct Sample {
  std::string what;
  std::vector<HostTensor> tensors;
};

// The reference's non-constant inputs as ONNX Runtime would describe them.
std::vector<ValueInfo> declared_inputs(const onnx::ModelProto& model,
                                       const std::map<std::string, ValueType>& types) {
  std::set<std::string> inits;
  for (const auto& t : model.graph().initializer()) inits.insert(t.name());
  std::vector<ValueInfo> out;
  for (const auto& v : model.graph().input()) {
    if (inits.count(v.name())) continue;
    ValueInfo info;
    info.name = v.name();
    auto it = types.find(v.name());
    if (it == types.end() || it->second.elem_type == 0 || !it->second.dims)
      throw Error(fmt::format("input '{}' has no tensor type and shape: pass --input "
                              "NAME:DTYPE:DIMS",
                              v.name()));
    info.elem_type = it->second.elem_type;
    info.shape = *it->second.dims;
    info.symbols = it->second.symbols;
    out.push_back(info);
  }
  return out;
}

std::vector<Sample> make_samples(const DiffOptions& o, const onnx::ModelProto& reference,
                                 const std::map<std::string, ValueType>& types,
                                 std::vector<std::string>& notes) {
  std::vector<Sample> samples;
  std::vector<ValueInfo> declared;
  if (o.inputs.empty()) declared = declared_inputs(reference, types);
  auto random_sample = [&](int64_t i) {
    const uint64_t seed = o.seed + static_cast<uint64_t>(i);
    return Sample{fmt::format("random (seed {})", seed),
                  o.inputs.empty() ? random_inputs(declared, 1, seed)
                                   : random_inputs_for(o.inputs, false, seed)};
  };
  // Real samples when the model takes one 1x1x28x28 float image.
  std::optional<Dataset> test;
  if (o.dataset != "none") {
    std::vector<HostTensor> probe = random_sample(0).tensors;
    const bool image = probe.size() == 1 && probe[0].dtype == DType::Float32 &&
                       probe[0].shape == Shape{1, 1, 28, 28};
    if (image) {
      auto loc = locate_dataset(o.dataset);
      if (loc.dir)
        test = load_dataset_from(*loc.dir, o.dataset, Split::kTest);
      else
        notes.push_back(fmt::format("dataset '{}' not found ({}): random inputs only", o.dataset,
                                    loc.how_to_get));
    }
  }
  int64_t real = 0;
  for (int64_t i = 0; i < o.samples; ++i) {
    if (test && i % 2 == 0 && real < test->count) {
      HostTensor x = dataset_batch(*test, real, 1);
      x.name = declared.empty() ? o.inputs[0].name : declared[0].name;
      samples.push_back({fmt::format("{} test image {}", o.dataset, real), {std::move(x)}});
      ++real;
    } else {
      samples.push_back(random_sample(i));
    }
  }
  return samples;
}

// Bytes of one sample of `name`, from inferred shapes with named dims sized as in the inputs.
std::optional<int64_t> estimated_bytes(const std::map<std::string, ValueType>& types,
                                       const std::string& name,
                                       const std::map<std::string, int64_t>& symbols) {
  auto it = types.find(name);
  if (it == types.end() || !it->second.dims || it->second.elem_type == 0) return std::nullopt;
  if (!is_supported_onnx_type(it->second.elem_type)) return std::nullopt;
  int64_t n = 1;
  const auto& dims = *it->second.dims;
  for (size_t d = 0; d < dims.size(); ++d) {
    int64_t size = dims[d];
    if (size < 0) {
      auto s = symbols.find(it->second.symbols[d]);
      if (it->second.symbols[d].empty() || s == symbols.end()) return std::nullopt;
      size = s->second;
    }
    n *= std::max<int64_t>(size, 1);
  }
  return n * static_cast<int64_t>(dtype_size(dtype_from_onnx(it->second.elem_type, name)));
}

std::map<std::string, int64_t> symbol_sizes(const std::map<std::string, ValueType>& types,
                                            const std::vector<HostTensor>& inputs) {
  std::map<std::string, int64_t> out;
  for (const auto& t : inputs) {
    auto it = types.find(t.name);
    if (it == types.end() || !it->second.dims) continue;
    for (size_t d = 0; d < it->second.symbols.size() && d < t.shape.size(); ++d)
      if (!it->second.symbols[d].empty()) out[it->second.symbols[d]] = t.shape[d];
  }
  return out;
}

// Pairs [begin, end) per chunk, each chunk's outputs (both models, one sample, held twice: ONNX
// Runtime's values and kiln's copies) within `budget` bytes; at least one pair per chunk.
std::vector<std::pair<size_t, size_t>> plan_chunks(const std::vector<int64_t>& pair_bytes,
                                                   int64_t budget) {
  std::vector<std::pair<size_t, size_t>> chunks;
  size_t begin = 0;
  int64_t used = 0;
  for (size_t i = 0; i < pair_bytes.size(); ++i) {
    const int64_t cost = 2 * pair_bytes[i];
    if (i > begin && used + cost > budget) {
      chunks.push_back({begin, i});
      begin = i;
      used = 0;
    }
    used += cost;
  }
  if (begin < pair_bytes.size()) chunks.push_back({begin, pair_bytes.size()});
  return chunks;
}

std::vector<HostTensor> inputs_for(const OrtSession& session, const std::vector<HostTensor>& all) {
  std::vector<HostTensor> out;
  for (const auto& info : session.inputs())
    for (const auto& t : all)
      if (t.name == info.name) out.push_back(t);
  return out;
}

int64_t node_count(const onnx::ModelProto& m) { return m.graph().node_size(); }

std::string verdict_line(const DiffResult& r) {
  int diverging = 0;
  for (const auto& t : r.tensors) diverging += t.diverges ? 1 : 0;
  std::string unmatched =
      fmt::format("{} only in the reference, {} only in the target", r.removed.size(), r.added.size());
  if (!r.first_divergent)
    return fmt::format("agree: all {} compared tensors within tolerance ({})", r.tensors.size(),
                       unmatched);
  const FirstDivergentRecord& fd = *r.first_divergent;
  return fmt::format(
      "diverge: first at {} ({}) → {}: max abs {:.3g}, relative L2 {:.3g}; {} of {} compared "
      "tensors exceed their tolerance ({})",
      fd.node.empty() ? "graph input" : fd.node, fd.op, fd.output, fd.max_abs, fd.relative_l2,
      diverging, r.tensors.size(), unmatched);
}

}  // namespace

void DiffOptions::validate() const {
  if (reference.empty()) throw OptionError("reference", "is required (an .onnx model)");
  if (target.empty()) throw OptionError("target", "is required (an .onnx model)");
  if (samples < 1) throw OptionError("samples", "must be at least 1");
  if (max_mem_mb < 1) throw OptionError("max_mem_mb", "must be at least 1");
  if (atol && !(*atol >= 0)) throw OptionError("atol", "must be non-negative");
  if (rtol && !(*rtol >= 0)) throw OptionError("rtol", "must be non-negative");
  if (threads < 0) throw OptionError("threads", "must be 0 (ONNX Runtime's default) or more");
  if (dataset != "none") check_dataset_name(dataset);
  if (!inputs.empty()) validate_input_specs(inputs);
}

DiffResult diff_models(const DiffOptions& o) {
  o.validate();
  const auto t0 = std::chrono::steady_clock::now();
  // Reports first: a wrong --explain file fails before any model runs.
  const ExplainReports reports = read_explain_reports(o.explain);

  DiffResult result;
  result.atol = o.atol;
  result.rtol = o.rtol;
  result.explained_by = reports.files;
  const onnx::ModelProto reference = load_model(o.reference);
  const onnx::ModelProto target = load_model(o.target);
  result.reference = {o.reference.string(), node_count(reference),
                      static_cast<int64_t>(std::filesystem::file_size(o.reference))};
  result.target = {o.target.string(), node_count(target),
                   static_cast<int64_t>(std::filesystem::file_size(o.target))};

  const auto ref_types = infer_value_types(reference);
  const auto tgt_types = infer_value_types(target);
  TensorMatch match = match_tensors(reference, target, ref_types, tgt_types);
  result.removed = std::move(match.removed);
  result.added = std::move(match.added);
  result.mismatched = std::move(match.mismatched);

  std::vector<Sample> samples = make_samples(o, reference, ref_types, result.notes);
  for (const auto& s : samples) result.samples.push_back(s.what);

  // Graph inputs that are fed unchanged to both models need no run: they are equal by
  // construction. A quantized graph input is compared through its DequantizeLinear.
  std::vector<TensorPair> pairs;
  for (auto& p : match.pairs)
    if (p.depth >= 0 || p.target != p.reference) pairs.push_back(std::move(p));

  const auto symbols = symbol_sizes(ref_types, samples[0].tensors);
  std::vector<int64_t> pair_bytes;
  int64_t largest_known = 0;
  for (const auto& p : pairs) {
    auto a = estimated_bytes(ref_types, p.reference, symbols);
    auto b = estimated_bytes(tgt_types, p.target, symbols);
    largest_known = std::max({largest_known, a.value_or(0), b.value_or(0)});
    pair_bytes.push_back(a && b ? *a + *b : -1);
  }
  int unknown = 0;
  for (auto& b : pair_bytes)
    if (b < 0) {
      b = 2 * std::max<int64_t>(largest_known, kMiB);  // unknown shape: assume the largest
      ++unknown;
    }
  // What the process holds besides the chunk: what it has now (both models parsed) and the two
  // sessions' copies of the weights.
  const int64_t model_bytes = result.reference.bytes + result.target.bytes;
  const int64_t budget = o.max_mem_mb * kMiB - resident_bytes() - model_bytes;
  const auto chunks = plan_chunks(pair_bytes, std::max<int64_t>(budget, 0));
  result.chunking.chunks = static_cast<int>(chunks.size());
  result.chunking.budget_bytes = std::max<int64_t>(budget, 0);
  result.chunking.model_bytes = model_bytes;
  result.chunking.how = fmt::format(
      "{} chunk(s) of tensors in target order; each runs the part of both models that computes "
      "its tensors (ONNX Runtime, basic graph optimizations) on every sample, counts them and "
      "drops them; sizes from shape inference{}",
      chunks.size(), unknown ? fmt::format(" ({} unknown, assumed the largest)", unknown) : "");
  if (budget <= 0)
    result.notes.push_back(fmt::format(
        "--max-mem {} MB is below what the models take already: one tensor per chunk",
        o.max_mem_mb));

  SessionOptions so;
  so.intra_op_threads = o.threads;
  so.optimization = GraphOptLevel::Basic;
  std::vector<TensorStats> stats(pairs.size());
  for (const auto& [begin, end] : chunks) {
    std::vector<std::string> ref_names, tgt_names;
    for (size_t i = begin; i < end; ++i) {
      ref_names.push_back(pairs[i].reference);
      tgt_names.push_back(pairs[i].target);
    }
    // Graph inputs on the reference side are the fed tensors themselves.
    std::vector<std::string> ref_computed;
    for (size_t i = begin; i < end; ++i)
      if (pairs[i].depth >= 0) ref_computed.push_back(pairs[i].reference);
    std::optional<OrtSession> ref_session;
    if (!ref_computed.empty())
      ref_session.emplace(OrtSession::from_bytes(
          serialize_model(model_computing(reference, ref_computed)), so, o.reference.string()));
    OrtSession tgt_session = OrtSession::from_bytes(
        serialize_model(model_computing(target, tgt_names)), so, o.target.string());
    for (const auto& sample : samples) {
      std::unordered_map<std::string, HostTensor> a, b;
      for (const auto& t : sample.tensors) a[t.name] = t;
      int64_t held = 0;
      if (ref_session)
        for (auto& t : ref_session->run(inputs_for(*ref_session, sample.tensors))) {
          held += static_cast<int64_t>(t.nbytes());
          a[t.name] = std::move(t);
        }
      for (auto& t : tgt_session.run(inputs_for(tgt_session, sample.tensors))) {
        held += static_cast<int64_t>(t.nbytes());
        b[t.name] = std::move(t);
      }
      result.chunking.largest_chunk_bytes = std::max(result.chunking.largest_chunk_bytes, held);
      for (size_t i = begin; i < end; ++i) {
        auto x = a.find(pairs[i].reference);
        auto y = b.find(pairs[i].target);
        if (x == a.end() || y == b.end()) continue;
        stats[i].add(x->second, y->second, pairs[i].quant);
      }
    }
  }

  for (size_t i = 0; i < pairs.size(); ++i) {
    const TensorPair& p = pairs[i];
    if (stats[i].problem()) {
      result.mismatched.push_back({p.reference, p.op, *stats[i].problem()});
      continue;
    }
    TensorDiffRecord r;
    r.name = p.reference;
    r.target_tensor = p.target;
    r.node = p.node;
    r.op = p.depth >= 0 ? p.op : "graph input";
    r.depth = p.depth;
    r.quantized = p.quant;
    stats[i].fill(r, Tolerance{});  // dtypes first, then the bound that depends on them
    Tolerance tol = default_tolerance(p.target_type != 0 && is_supported_onnx_type(p.target_type)
                                          ? dtype_from_onnx(p.target_type, p.target)
                                          : DType::Float32);
    if (o.atol) tol.atol = *o.atol;
    if (o.rtol) tol.rtol = *o.rtol;
    stats[i].fill(r, tol);
    result.tensors.push_back(std::move(r));
  }
  // `tensors` lost the pairs with a problem: keep the pairs aligned with the records.
  std::vector<TensorPair> kept;
  for (size_t i = 0; i < pairs.size(); ++i)
    if (!stats[i].problem()) kept.push_back(pairs[i]);

  size_t index = 0;
  result.first_divergent = find_first_divergent(target.graph(), kept, result.tensors, &index);
  if (result.first_divergent && !o.explain.empty())
    result.first_divergent->explanation = explain_divergence(
        reports, *result.first_divergent, kept[index], result.tensors[index]);
  result.agree = !result.first_divergent;
  result.verdict = verdict_line(result);
  result.peak_memory_mb = static_cast<double>(peak_resident_bytes()) / static_cast<double>(kMiB);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace kiln
