#include "diff/diff_models.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "common/error.h"
#include "common/process_memory.h"
#include "common/shape.h"
#include "common/thread_limit.h"
#include "data/dataset.h"
#include "data/dataset_batch.h"
#include "diff/explain.h"
#include "diff/localize.h"
#include "diff/segment_runner.h"
#include "diff/tensor_match.h"
#include "diff/tensor_stats.h"
#include "diff/torchscript_source.h"
#include "export/export_options.h"
#include "onnx/model_io.h"
#include "runtime/model_file.h"
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
    const std::optional<std::vector<int64_t>>* dims = it == types.end() ? nullptr : &it->second.dims;
    if (dims == nullptr || !*dims || it->second.elem_type == 0)
      throw Error(fmt::format("input '{}' has no tensor type and shape: pass --input "
                              "NAME:DTYPE:DIMS",
                              v.name()));
    const std::vector<int64_t>& shape = **dims;
    info.elem_type = it->second.elem_type;
    info.shape = shape;
    info.symbols = it->second.symbols;
    out.push_back(info);
  }
  return out;
}

// Inputs from `specs` when given (--input, or a TorchScript reference's export report), else
// from the reference ONNX model's declared inputs.
std::vector<Sample> make_samples(const DiffOptions& o, const std::vector<InputSpec>& specs,
                                 const std::vector<ValueInfo>& declared,
                                 std::vector<std::string>& notes) {
  std::vector<Sample> samples;
  auto random_sample = [&](int64_t i) {
    const uint64_t seed = o.seed + static_cast<uint64_t>(i);
    return Sample{fmt::format("random (seed {})", seed),
                  specs.empty() ? random_inputs(declared, 1, seed)
                                : random_inputs_for(specs, false, seed)};
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
    if (test && (o.real_only || i % 2 == 0) && real < test->count) {
      HostTensor x = dataset_batch(*test, real, 1);
      x.name = specs.empty() ? declared[0].name : specs[0].name;
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
  if (it == types.end() || it->second.elem_type == 0) return std::nullopt;
  if (!is_supported_onnx_type(it->second.elem_type)) return std::nullopt;
  const std::optional<std::vector<int64_t>>& known = it->second.dims;
  if (!known) return std::nullopt;
  int64_t n = 1;
  const std::vector<int64_t>& dims = *known;
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

// Pairs [begin, end) per chunk, each chunk's outputs (both models, one sample, read where ONNX
// Runtime wrote them) within `budget` bytes; at least one pair per chunk.
std::vector<std::pair<size_t, size_t>> plan_chunks(const std::vector<int64_t>& pair_bytes,
                                                   int64_t budget) {
  std::vector<std::pair<size_t, size_t>> chunks;
  size_t begin = 0;
  int64_t used = 0;
  for (size_t i = 0; i < pair_bytes.size(); ++i) {
    const int64_t cost = pair_bytes[i];
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

// The least precise floating type the target computed a compared tensor in: its own type, and
// the types of the values between it and the compared tensors it is made from (an FP16 Gemm behind
// a Cast to float32 is judged as FP16). The default tolerance follows it.
DType working_precision(const onnx::GraphProto& target,
                        const std::unordered_map<std::string, int>& producer,
                        const std::map<std::string, ValueType>& types,
                        const std::set<std::string>& compared, const TensorPair& pair) {
  auto rank = [](DType d) {
    switch (d) {
      case DType::BFloat16: return 0;
      case DType::Float16: return 1;
      case DType::Float32: return 2;
      case DType::Float64: return 3;
      default: return 4;  // integers: exact, unless a float is on the path
    }
  };
  DType best = DType::Float32;
  bool any = false;
  std::vector<std::string> stack = {pair.target};
  std::set<std::string> seen;
  while (!stack.empty()) {
    std::string v = stack.back();
    stack.pop_back();
    if (!seen.insert(v).second) continue;
    if (auto t = types.find(v); t != types.end() && is_supported_onnx_type(t->second.elem_type)) {
      DType d = dtype_from_onnx(t->second.elem_type, v);
      if (!any || rank(d) < rank(best)) best = d;
      any = true;
    }
    if (v != pair.target && (compared.count(v) || v == pair.reference)) continue;
    auto p = producer.find(v);
    if (p == producer.end()) continue;
    for (const auto& in : target.node(p->second).input())
      if (!in.empty()) stack.push_back(in);
  }
  return best;
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
  if (reference.empty())
    throw OptionError("reference", "is required (an .onnx model or a TorchScript .pt)");
  if (target.empty()) throw OptionError("target", "is required (an .onnx model)");
  if (samples < 1) throw OptionError("samples", "must be at least 1");
  if (max_mem_mb < 1) throw OptionError("max_mem_mb", "must be at least 1");
  if (atol && !(*atol >= 0)) throw OptionError("atol", "must be non-negative");
  if (rtol && !(*rtol >= 0)) throw OptionError("rtol", "must be non-negative");
  check_thread_option(threads, "threads", "ONNX Runtime's default");
  if (dataset != "none") check_dataset_name(dataset);
  if (!inputs.empty()) validate_input_specs(inputs);
}

DiffResult diff_models(const DiffOptions& o, const TorchscriptValuesFactory& torchscript) {
  o.validate();
  const auto t0 = std::chrono::steady_clock::now();
  // Reports first: a wrong --explain file fails before any model runs.
  const ExplainReports reports = read_explain_reports(o.explain);

  DiffResult result;
  result.atol = o.atol;
  result.rtol = o.rtol;
  result.explained_by = reports.files;
  // The reference: an ONNX model, or a TorchScript file read through its export report's map.
  const bool torchscript_reference = is_torchscript_file(o.reference);
  std::shared_ptr<const onnx::ModelProto> reference_model;
  std::map<std::string, ValueType> ref_types;
  std::vector<ReferenceValue> reference_values;
  std::map<std::string, std::string> torchscript_keys;  // ONNX name → "node:output"
  std::vector<InputSpec> specs = o.inputs;
  if (torchscript_reference) {
    if (!torchscript)
      throw Error(fmt::format("{} is TorchScript, which this program cannot run", o.reference.string()));
    if (o.export_report.empty())
      throw OptionError("export_report",
                        "is required when the reference is TorchScript (the report `kiln export "
                        "--report` wrote for the target: its value-to-tensor map)");
    ExportResult exported = read_record<ExportResult>(o.export_report);
    if (exported.values.empty())
      throw Error(fmt::format("{}: no value-to-tensor map (made by an older kiln; export again)",
                              o.export_report.string()));
    if (specs.empty()) specs = exported.input_specs;
    // The graph inputs are what both models are fed; parameters (prim::Constant) are not
    // compared, as constants are not on the ONNX side.
    for (const auto& spec : specs) reference_values.push_back({spec.name, "graph input", {}, "", false});
    for (const auto& v : exported.values) {
      if (v.kind == "prim::Constant") continue;
      const std::string source =
          fmt::format("%{} = {} (node {})", v.torchscript, v.kind, v.node);
      if (v.onnx.empty()) {
        const bool conv = v.kind.find("conv") != std::string::npos;
        result.removed.push_back(
            {"%" + v.torchscript, v.kind,
             exported.folded_batch_norms > 0 && conv
                 ? "a Conv's own output: kiln export folded the BatchNormalization after it into its "
                   "weights (export with --keep-batch-norm to compare it)"
                 : "TorchScript value with no ONNX tensor (folded at export, or inside an If branch)"});
        continue;
      }
      if (!torchscript_keys.emplace(v.onnx, fmt::format("{}:{}", v.node, v.output)).second) {
        result.removed.push_back({"%" + v.torchscript, v.kind,
                                  "same ONNX tensor as an earlier value (" + v.onnx + ")"});
        continue;
      }
      reference_values.push_back({v.onnx, v.kind, ValueType{}, source, false});
    }
    result.reference = {o.reference.string(), static_cast<int64_t>(exported.values.size()),
                        static_cast<int64_t>(std::filesystem::file_size(o.reference))};
    result.notes.push_back(fmt::format(
        "the reference runs in LibTorch as kiln export froze it; its values are matched through "
        "{} ({} mapped)",
        o.export_report.string(), reference_values.size()));
  } else {
    reference_model = std::make_shared<const onnx::ModelProto>(load_model(o.reference));
    result.reference = {o.reference.string(), node_count(*reference_model),
                        static_cast<int64_t>(std::filesystem::file_size(o.reference))};
    ref_types = infer_value_types(*reference_model);
    reference_values = onnx_reference_values(*reference_model, ref_types);
  }
  auto target_model = std::make_shared<const onnx::ModelProto>(load_model(o.target));
  const onnx::ModelProto& target = *target_model;
  result.target = {o.target.string(), node_count(target),
                   static_cast<int64_t>(std::filesystem::file_size(o.target))};
  const auto tgt_types = infer_value_types(target);
  TensorMatch match = match_tensors(reference_values, target, tgt_types);
  // What localization reads after the weights are gone: the target's nodes and constant names.
  onnx::GraphProto target_nodes;
  *target_nodes.mutable_node() = target.graph().node();
  for (const auto& t : target.graph().initializer()) target_nodes.add_initializer()->set_name(t.name());
  for (auto& r : match.removed) result.removed.push_back(std::move(r));
  result.added = std::move(match.added);
  result.mismatched = std::move(match.mismatched);

  std::vector<ValueInfo> declared;
  if (specs.empty()) declared = declared_inputs(*reference_model, ref_types);
  std::vector<Sample> samples = make_samples(o, specs, declared, result.notes);
  for (const auto& s : samples) result.samples.push_back(s.what);
  // A TorchScript reference's shapes are not inferred: size its values as the target's.
  const auto& size_types = torchscript_reference ? tgt_types : ref_types;

  // Graph inputs that are fed unchanged to both models need no run: they are equal by
  // construction. A quantized graph input is compared through its DequantizeLinear.
  std::vector<TensorPair> pairs;
  for (auto& p : match.pairs)
    if (p.depth >= 0 || p.target != p.reference) pairs.push_back(std::move(p));

  const auto symbols = symbol_sizes(size_types, samples[0].tensors);
  std::vector<int64_t> pair_bytes;
  int64_t largest_known = 0;
  for (const auto& p : pairs) {
    auto a = estimated_bytes(size_types, p.reference, symbols);
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
  // What the process holds besides the chunk: what it has now (both models parsed) and, at most,
  // the sessions' copies of both models' weights with ONNX Runtime's own parse of them while a
  // session is made (measured: about twice the file).
  const int64_t model_bytes = result.reference.bytes + result.target.bytes;
  const int64_t budget = o.max_mem_mb * kMiB - resident_bytes() - 2 * model_bytes;
  const auto chunks = plan_chunks(pair_bytes, std::max<int64_t>(budget, 0));
  result.chunking.chunks = static_cast<int>(chunks.size());
  result.chunking.budget_bytes = std::max<int64_t>(budget, 0);
  result.chunking.model_bytes = model_bytes;
  result.chunking.how = fmt::format(
      "{} chunk(s) of tensors in target order; each runs, on every sample, only the nodes of both "
      "models no earlier chunk ran (ONNX Runtime, basic graph optimizations), fed with the values "
      "earlier chunks kept for it, counts its tensors and drops them; sizes from shape inference{}",
      chunks.size(), unknown ? fmt::format(" ({} unknown, assumed the largest)", unknown) : "");
  if (budget <= 0)
    result.notes.push_back(fmt::format(
        "--max-mem {} MB is below what the models take already: one tensor per chunk",
        o.max_mem_mb));

  SessionOptions so;
  so.intra_op_threads = o.threads;
  so.optimization = GraphOptLevel::Basic;
  so.memory_arena = false;
  // Graph inputs on the reference side are the fed tensors themselves.
  std::vector<std::vector<std::string>> ref_chunks, tgt_chunks;
  std::vector<std::vector<std::pair<std::string, std::string>>> torchscript_chunks;
  for (const auto& [begin, end] : chunks) {
    ref_chunks.emplace_back();
    tgt_chunks.emplace_back();
    torchscript_chunks.emplace_back();
    for (size_t i = begin; i < end; ++i) {
      if (pairs[i].depth >= 0) ref_chunks.back().push_back(pairs[i].reference);
      if (auto key = torchscript_keys.find(pairs[i].reference); key != torchscript_keys.end())
        torchscript_chunks.back().emplace_back(key->second, pairs[i].reference);
      tgt_chunks.back().push_back(pairs[i].target);
    }
  }
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  result.timings.prepare = since(t0);
  std::unique_ptr<ValueSource> ref_source;
  if (torchscript_reference)
    ref_source = std::make_unique<TorchscriptSource>(torchscript(o.reference, specs),
                                                     torchscript_chunks);
  else
    ref_source = std::make_unique<SegmentRunner>(std::move(reference_model), ref_chunks,
                                                 samples.size(), so, o.reference.string());
  ValueSource& ref_runner = *ref_source;
  SegmentRunner tgt_runner(std::move(target_model), tgt_chunks, samples.size(), so,
                           o.target.string());
  // From here on the runners hold the models, and drop them once their last session is made.
  std::vector<TensorStats> stats(pairs.size());
  for (size_t k = 0; k < chunks.size(); ++k) {
    const auto [begin, end] = chunks[k];
    auto t = Clock::now();
    ref_runner.begin_chunk(k);
    tgt_runner.begin_chunk(k);
    result.timings.sessions += since(t);
    for (size_t s = 0; s < samples.size(); ++s) {
      t = Clock::now();
      ChunkValues a = ref_runner.run(s, samples[s].tensors);
      ChunkValues b = tgt_runner.run(s, samples[s].tensors);
      for (const auto& input : samples[s].tensors) a.by_name.emplace(input.name, view_of(input));
      const int64_t held =
          a.bytes + b.bytes + ref_runner.frontier_bytes() + tgt_runner.frontier_bytes();
      result.chunking.largest_chunk_bytes = std::max(result.chunking.largest_chunk_bytes, held);
      result.timings.runs += since(t);
      t = Clock::now();
      for (size_t i = begin; i < end; ++i) {
        auto x = a.by_name.find(pairs[i].reference);
        auto y = b.by_name.find(pairs[i].target);
        if (x == a.by_name.end() || y == b.by_name.end()) continue;
        stats[i].add(x->second, y->second, pairs[i].quant);
      }
      result.timings.statistics += since(t);
    }
    ref_runner.end_chunk();
    tgt_runner.end_chunk();
  }

  std::set<std::string> compared;
  for (const auto& p : pairs) compared.insert(p.target);
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < target_nodes.node_size(); ++i)
    for (const auto& out : target_nodes.node(i).output()) producer.emplace(out, i);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const TensorPair& p = pairs[i];
    if (const auto& problem = stats[i].problem()) {
      result.mismatched.push_back({p.reference, p.op, *problem});
      continue;
    }
    TensorDiffRecord r;
    r.name = p.reference;
    r.target_tensor = p.target;
    r.source = p.source;
    r.node = p.node;
    r.op = p.depth >= 0 ? p.op : "graph input";
    r.depth = p.depth;
    r.quantized = p.quant;
    const DType precision = working_precision(target_nodes, producer, tgt_types, compared, p);
    r.precision = dtype_name(precision);
    Tolerance tol = default_tolerance(precision);
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
  result.first_divergent = find_first_divergent(target_nodes, kept, result.tensors, &index);
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
