#pragma once
// The state of one export: which ONNX name each TorchScript value has, the constants known at
// export time, initializers, and the graph being written (a subgraph while inside an `If`).
// Op converters (ops/*.cpp) read inputs and emit ONNX nodes only through this class.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <onnx/onnx_pb.h>
#include <torch/csrc/jit/ir/ir.h>

#include "common/error.h"
#include "onnx/without_weights.h"

namespace kiln {

using torch::jit::Node;
using torch::jit::Value;

// `kiln export --check`: a node read a value that an earlier failed node should have made (from
// inside an If's branch, where the caller's downstream test does not see it): counted as
// downstream, not reported as a problem of its own.
struct ReadsPoisonedValue : Error {
  using Error::Error;
};

class ExportContext {
 public:
  ExportContext(onnx::ModelProto& model, int opset);

  int opset() const { return opset_; }
  onnx::GraphProto& graph() { return *graphs_.back(); }
  onnx::GraphProto& main_graph() { return *model_.mutable_graph(); }

  // --- values -------------------------------------------------------------------------------
  // The ONNX tensor name of a TorchScript value; constants become initializers on first use.
  std::string in(const Value* v);
  // A fresh name for a node's output (graph outputs are renamed at the end); binds it.
  std::string out(const Value* v, const std::string& hint = "");
  void bind(const Value* v, const std::string& onnx_name) {
    clear(v);
    names_[v] = onnx_name;
  }
  bool is_bound(const Value* v) const { return names_.count(v) != 0; }
  // The ONNX name bound to `v`, without converting anything (nullopt when none).
  std::optional<std::string> name_of(const Value* v) const {
    auto it = names_.find(v);
    return it == names_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }

  // The ONNX name a node's output had when its node was converted (before an in-place op rebound
  // the value): what `kiln diff`'s value-to-tensor map reads.
  void record_produced(const Value* v) {
    if (auto n = names_.find(v); n != names_.end()) produced_.emplace(v, n->second);
  }
  // An output took over a name (the graph's value `from` is now `to`).
  void rename_produced(const std::string& from, const std::string& to) {
    for (auto& [v, name] : produced_)
      if (name == from) name = to;
  }
  std::optional<std::string> produced_name(const Value* v) const {
    auto p = produced_.find(v);
    if (p != produced_.end()) return p->second;
    return name_of(v);
  }
  // A value with no ONNX form that a converter chose not to compute (an op's training-only output):
  // reading it is an error with this reason.
  void refuse(const Value* v, std::string reason) { refused_[v] = std::move(reason); }

  // Export-time constants (prim::Constant after freezing and constant propagation).
  bool is_constant(const Value* v) const;
  c10::IValue constant(const Value* v) const;  // throws when not constant
  bool is_none(const Value* v) const;
  int64_t const_int(const Value* v) const;
  double const_double(const Value* v) const;
  bool const_bool(const Value* v) const;
  std::vector<int64_t> const_ints(const Value* v) const;
  std::optional<at::Tensor> const_tensor(const Value* v) const;
  // A value the exporter worked out itself (a tensor's dtype from ONNX type inference).
  void set_known(const Value* v, c10::IValue value) {
    clear(v);
    known_[v] = std::move(value);
  }
  // A static value that becomes a run-time one (an empty list that later gets appended to).
  void forget_static(const Value* v) { known_.erase(v); }
  // A list of tensors held at run time as an ONNX sequence (appended to inside an ONNX Loop).
  // Sequences made from one another (SequenceInsert) share a root, which holds their element type;
  // a provisional type (an empty list whose tensors' dtype TorchScript did not record) is settled
  // by the first tensor appended.
  void bind_sequence(const Value* v, const std::string& onnx_name, int32_t elem_type, bool provisional = false) {
    bind(v, onnx_name);
    sequence_roots_[onnx_name] = onnx_name;
    sequence_types_[onnx_name] = {elem_type, provisional};
  }
  // `onnx_name` is a new version of the sequence `from` (the same root and type).
  void bind_sequence_version(const Value* v, const std::string& onnx_name, const std::string& from) {
    bind(v, onnx_name);
    sequence_roots_[onnx_name] = sequence_roots_.at(from);
  }
  // The element type of the sequence bound to `v`, or nullopt when `v` is not a sequence.
  std::optional<int32_t> sequence_of(const Value* v) const {
    auto n = names_.find(v);
    if (n == names_.end()) return std::nullopt;
    auto r = sequence_roots_.find(n->second);
    if (r == sequence_roots_.end()) return std::nullopt;
    return sequence_types_.at(r->second).first;
  }
  // Settles a provisional element type (no-op otherwise); returns the sequence's element type.
  int32_t settle_sequence_type(const std::string& onnx_name, int32_t elem_type) {
    auto& t = sequence_types_.at(sequence_roots_.at(onnx_name));
    if (t.second) t = {elem_type, false};
    return t.first;
  }
  int32_t sequence_type(const std::string& onnx_name) const { return sequence_types_.at(sequence_roots_.at(onnx_name)).first; }
  // The rank of the tensors appended to a sequence (ONNX's sequence types carry no shape, so a
  // ConcatFromSequence of them would have none): recorded by the appends, read by cat/stack.
  void settle_sequence_rank(const std::string& onnx_name, int64_t rank) {
    if (auto r = sequence_roots_.find(onnx_name); r != sequence_roots_.end()) sequence_ranks_[r->second] = rank;
  }
  std::optional<int64_t> sequence_rank(const std::string& onnx_name) const {
    auto r = sequence_roots_.find(onnx_name);
    if (r == sequence_roots_.end()) return std::nullopt;
    auto k = sequence_ranks_.find(r->second);
    return k == sequence_ranks_.end() ? std::nullopt : std::optional<int64_t>(k->second);
  }
  // Complex tensors are carried as real pairs (a trailing dim of 2: real, imaginary), the layout
  // of view_as_real and of ONNX's DFT/STFT. Only converters that know it may read them
  // (OpOptions::complex); others refuse a complex input instead of misreading the pair dim.
  void mark_complex(const std::string& onnx_name) { complex_names_.insert(onnx_name); }
  bool is_complex(const Value* v) const {
    auto n = names_.find(v);
    return n != names_.end() && complex_names_.count(n->second) != 0;
  }
  // An Optional decided at run time (an If with None in one branch): an ONNX optional value whose
  // element is a tensor of `elem_type` (opset 16+). `x is None` reads OptionalHasElement,
  // prim::unchecked_cast OptionalGetElement.
  // `rank`: the value branch's (ONNX's optional types carry no shape; the element read out has it).
  void mark_optional(const std::string& onnx_name, int32_t elem_type, std::optional<int64_t> rank = std::nullopt) {
    optionals_[onnx_name] = elem_type;
    if (rank) optional_ranks_[onnx_name] = *rank;
  }
  std::optional<int32_t> optional_of(const Value* v) const {
    return by_name(optionals_, v);
  }
  std::optional<int64_t> optional_rank(const Value* v) const {
    return by_name(optional_ranks_, v);
  }
  // A packed sequence (pack_padded_sequence) is carried padded and time-major, with the lengths
  // of its sequences: recurrent layers read them as sequence_lens, pad_packed_sequence masks by
  // them. Keyed by the packed data's ONNX name.
  void mark_packed(const std::string& data, const std::string& lengths) { packed_lengths_[data] = lengths; }
  std::optional<std::string> packed_lengths(const Value* v) const {
    return by_name(packed_lengths_, v);
  }
  // A nested tensor (nn.TransformerEncoder's fast path: `_nested_tensor_from_mask`) is carried
  // padded, with the bool mask of its valid positions [B, S] (True: a token): the fast-path layer
  // reads it as a key padding mask, to_padded_tensor writes the padding value where it is False.
  void mark_nested(const std::string& data, const std::string& valid) { nested_valid_[data] = valid; }
  std::optional<std::string> nested_valid(const Value* v) const {
    return by_name(nested_valid_, v);
  }
  // Quantized tensors (eager-mode PTQ/QAT models) are carried as their integer ONNX tensor
  // (uint8 for quint8, int8 for qint8) with the scale and zero point it is read with; a
  // DequantizeLinear gives the float value. Converters that do not take quantized inputs get them
  // dequantized, and their outputs quantized again with the input's parameters
  // (OpOptions::quantized says a converter reads them itself).
  struct QuantInfo {
    std::string scale, zero_point;  // ONNX values (0-d, or 1-D with `axis`)
    std::optional<int64_t> axis;
  };
  void mark_quantized(const std::string& onnx_name, QuantInfo info) { quantized_[onnx_name] = std::move(info); }
  const QuantInfo* quant_of(const Value* v) const {
    auto n = names_.find(v);
    if (n == names_.end()) return nullptr;
    auto q = quantized_.find(n->second);
    return q == quantized_.end() ? nullptr : &q->second;
  }
  const QuantInfo* quant_of_name(const std::string& name) const {
    auto q = quantized_.find(name);
    return q == quantized_.end() ? nullptr : &q->second;
  }
  // The ONNX element type of a converted tensor value (main graph), if known.
  std::optional<int32_t> elem_type_of(const std::string& onnx_name);
  // Elements of a list or tuple built at run time (prim::ListConstruct / TupleConstruct with
  // an element that is not static). A static list is a constant IValue instead.
  std::optional<std::vector<const Value*>> list_elements(const Value* v) const;
  void record_list(const Value* v, std::vector<const Value*> elements) {
    clear(v);
    lists_[v] = std::move(elements);
  }
  // A placeholder TorchScript value bound to an ONNX name: the elements of a list an op makes
  // (split, chunk, unbind), which have no Value of their own in the model's graph.
  const Value* mint(const std::string& onnx_name, const c10::TypePtr& type = c10::TensorType::get());
  // A placeholder value known at export (a static element of such a list).
  const Value* mint_static(const c10::IValue& value, const c10::TypePtr& type);
  // A dict built at run time: static string keys, values in insertion order.
  struct DictRecord {
    std::vector<std::string> keys;
    std::vector<const Value*> values;
  };
  // Attributes a forward writes (`self.pyramid = [...]`, prim::SetAttr on a module known at
  // export): the value each (object, name) holds now, read back by prim::GetAttr.
  void record_attribute(const void* object, const std::string& name, const Value* v) { attributes_[{object, name}] = v; }
  const Value* written_attribute(const void* object, const std::string& name) const {
    auto it = attributes_.find({object, name});
    return it == attributes_.end() ? nullptr : it->second;
  }
  const DictRecord* dict_of(const Value* v) const;
  DictRecord& record_dict(const Value* v) { return dicts_[v]; }  // creates or returns the record
  // `dst` is the same thing as `src`, whatever `src` is: a static value, a list, a dict or an
  // ONNX tensor (If outputs taken from a statically chosen branch, getitem, unpack).
  void alias_value(const Value* dst, const Value* src);
  // Static: known at export (constants, values folded from static inputs, static dims, ranks).
  bool is_static(const Value* v) const { return is_constant(v); }
  // The dimensions of a tensor value known at export: -1 where a dim is dynamic or unknown;
  // nullopt when even the rank is unknown. Static only where ONNX shape inference, run on the
  // graph with the declared symbolic dims, proves a number.
  std::optional<std::vector<int64_t>> dims_of(const Value* v);
  // The same with the symbol of each symbolic dim ("batch"; "" for a static or unnamed one).
  std::vector<std::string> dim_symbols_of(const Value* v);
  // A dynamic int known to equal a symbolic dim (x.size(0) where dim 0 is "batch"): lets view's
  // -1 be worked out at export when the symbols cancel.
  void set_symbol(const Value* v, const std::string& symbol) {
    symbols_[v] = symbol;
    if (auto n = names_.find(v); n != names_.end()) name_symbols_[n->second] = symbol;
  }
  std::string symbol_of(const Value* v) const;

  // --- `kiln export --check`: collect every problem instead of stopping at the first --------
  struct Problem {
    std::string op;       // the TorchScript op kind
    std::string reason;   // the first error met for it
    std::string where;    // the first node (with its source line when TorchScript has one)
    int count = 0;
  };
  void set_collecting(bool on) { collecting_ = on; }
  bool collecting() const { return collecting_; }
  void record_problem(const Node* node, const std::string& reason);
  const std::vector<Problem>& problems() const { return problems_; }
  // Values a failed node should have produced: nodes that read them are not converted (their
  // own errors would only echo the first one) but counted.
  void poison(const Value* v) { poisoned_.insert(v); }
  bool poisoned(const Value* v) const { return poisoned_.count(v) != 0; }
  int skipped_downstream = 0;
  // Checks that a TorchScript model makes at export and that ONNX cannot express (assertion
  // branches under a dynamic condition): dropped, and listed in the report.
  std::vector<std::string> dropped_checks;

  // --- writing ------------------------------------------------------------------------------
  std::string fresh(const std::string& hint);
  // Names fresh() never hands out: graph input and output names, dict keys (output names).
  void reserve_name(const std::string& name) { reserved_.insert(name); }
  // An initializer of `t`'s values (any layout: a transposed view is written transposed). One
  // of more than kDeferredElements elements keeps `t` itself, sharing the LibTorch storage, and
  // gets its bytes only in materialize_initializers(): while converting, the weights are in
  // memory once (the frozen module's), not twice. Converters read such values from LibTorch
  // (const_tensor), never from the initializer.
  std::string add_initializer(const at::Tensor& t, const std::string& hint);
  std::string add_int64s(const std::vector<int64_t>& values, const std::string& hint, bool as_scalar = false);
  std::string add_float_scalar(double value, onnx::TensorProto_DataType dtype, const std::string& hint);
  onnx::NodeProto& add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs);

  // Names for initializers made from module parameters ("conv1.weight"), keyed by storage.
  void name_parameter(const at::Tensor& t, const std::string& name);

  // Static shape of an ONNX value of the main graph (ONNX shape inference on the graph so far);
  // -1 for a symbolic or unknown dimension; nullopt when even the rank is unknown.
  std::optional<std::vector<int64_t>> shape_of(const std::string& onnx_name);
  std::optional<int64_t> rank_of(const Value* v);
  // What the exporter knows of a value's shape where ONNX inference cannot work it out (Reshape to
  // a shape computed at run time): static dims as numbers, symbols as dim_params, "" unknown.
  void hint_shape(const std::string& onnx_name, int32_t elem_type, const std::vector<int64_t>& dims,
                  const std::vector<std::string>& symbols);
  // Writes the hints into the model's value_info, for the final shape inference.
  void write_hints();
  // After conversion: lets go of the LibTorch values the exporter holds (constants, and with them
  // the frozen module's weights, except those deferred initializers still hold). Names, types and
  // hints stay; nothing may be converted afterwards.
  void release_torch_values();
  // After release_torch_values: gives every deferred initializer its bytes, one at a time, each
  // LibTorch tensor let go as soon as it is copied (at the peak, one copy of the weights and
  // one tensor). An initializer no longer in the graph is simply dropped.
  void materialize_initializers();

  // --- an If whose branches give what only they know: tensors of different ranks, strings ------
  // (torchvision's box decoder returns [N, K, 4] when there are boxes and [0, 4K] when there are
  // none.) The rest of the If's block is converted once inside each branch, where each is known
  // again (ops/control_flow.cpp). The block's results are then the If's outputs, not the
  // block's own output values: whoever reads a converted block's results reads them here.
  std::vector<const Value*> block_results(const torch::jit::Block* block) const {
    auto it = block_results_.find(block);
    if (it != block_results_.end()) return it->second;
    return {block->outputs().begin(), block->outputs().end()};
  }
  void set_block_results(const torch::jit::Block* block, std::vector<const Value*> results) {
    block_results_[block] = std::move(results);
  }
  void clear_block_results(const torch::jit::Block* block) { block_results_.erase(block); }
  // Set by an If that converted the rest of its block, and of the blocks around it up to `until`
  // (see inline frames): the conversion loops of those blocks stop; `until`'s clears it.
  void mark_rest_converted(const torch::jit::Block* until) { rest_converted_until_ = until; }
  const torch::jit::Block* rest_converted_until() const { return rest_converted_until_; }
  void clear_rest_converted() { rest_converted_until_ = nullptr; }
  // How many such Ifs the conversion is inside: each doubles what follows it, so a bound keeps a
  // model with many in a row from growing 2^n copies (and If nesting past what ONNX Runtime
  // builds quickly: docs/security.md).
  int rest_depth = 0;
  // A branch of an If with a static condition is converted in place, as if its nodes stood in the
  // block around it: "the rest of the block" of a node in it goes on after that If.
  struct InlineFrame {
    const Node* static_if;
    const torch::jit::Block* branch;
  };
  void push_inline_frame(InlineFrame f) { inline_frames_.push_back(f); }
  void pop_inline_frame() { inline_frames_.pop_back(); }
  const std::vector<InlineFrame>& inline_frames() const { return inline_frames_; }
  void set_inline_frames(std::vector<InlineFrame> frames) { inline_frames_ = std::move(frames); }
  // What the exporter knows of TorchScript values, saved before the rest of a block is converted
  // inside one branch and restored for the other (lists the rest appends to, values rebound by
  // in-place ops, attributes written).
  struct ValueState {
    std::unordered_map<const Value*, std::string> names;
    std::unordered_map<const Value*, std::vector<const Value*>> lists;
    std::unordered_map<const Value*, DictRecord> dicts;
    std::unordered_map<const Value*, c10::IValue> known;
    std::unordered_map<const Value*, std::string> symbols;
    std::map<std::pair<const void*, std::string>, const Value*> attributes;
  };
  ValueState save_values() const { return {names_, lists_, dicts_, known_, symbols_, attributes_}; }
  void restore_values(const ValueState& s) {
    names_ = s.names;
    lists_ = s.lists;
    dicts_ = s.dicts;
    known_ = s.known;
    symbols_ = s.symbols;
    attributes_ = s.attributes;
  }

  // Subgraphs of `If` and `Loop`: nodes go to the innermost graph while one is open. Shape
  // inference follows them (a subgraph's own inputs are typed by whoever opens it).
  void push_graph(onnx::GraphProto* g) { graphs_.push_back(g); }
  void pop_graph() {
    inference_.erase(graphs_.back());  // the address may be reused by the next subgraph
    graphs_.pop_back();
  }
  bool in_subgraph() const { return graphs_.size() > 1; }
  // Where a converter stood: `kiln export --check` goes on after a node that failed, with the
  // subgraphs and inline frames the node had open closed again (their graphs were its locals).
  struct Depth {
    size_t graphs;
    std::vector<InlineFrame> frames;
    const torch::jit::Block* rest_converted_until;
  };
  Depth depth() const { return {graphs_.size(), inline_frames_, rest_converted_until_}; }
  void unwind(const Depth& d) {
    while (graphs_.size() > d.graphs) pop_graph();
    inline_frames_ = d.frames;
    rest_converted_until_ = d.rest_converted_until;
  }

 private:
  // What `map` (keyed by ONNX name) holds for the name bound to `v`; nullopt when either is missing.
  template <class Map>
  std::optional<typename Map::mapped_type> by_name(const Map& map, const Value* v) const {
    auto n = names_.find(v);
    if (n == names_.end()) return std::nullopt;
    auto it = map.find(n->second);
    return it == map.end() ? std::nullopt : std::optional<typename Map::mapped_type>(it->second);
  }
  // Forgets what a value was: an unrolled loop converts its body again, and a value static in one
  // iteration may be dynamic in the next.
  void clear(const Value* v) {
    names_.erase(v);
    known_.erase(v);
    lists_.erase(v);
    dicts_.erase(v);
    symbols_.erase(v);
  }
  onnx::ModelProto& model_;
  int opset_;
  std::vector<onnx::GraphProto*> graphs_;
  std::unordered_map<const Value*, std::string> names_;
  std::unordered_map<const Value*, std::vector<const Value*>> lists_;
  std::unordered_map<const Value*, DictRecord> dicts_;
  std::shared_ptr<torch::jit::Graph> scratch_ = std::make_shared<torch::jit::Graph>();
  std::set<const Value*> poisoned_;
  std::vector<Problem> problems_;
  bool collecting_ = false;
  std::unordered_map<const Value*, c10::IValue> known_;
  std::unordered_map<std::string, int32_t> type_cache_;
  std::map<std::string, int> counters_;
  std::set<std::string> reserved_;
  std::unordered_map<const void*, std::string> parameter_names_;
  std::unordered_map<std::string, std::vector<int64_t>> shape_cache_;
  std::unordered_map<std::string, std::vector<std::string>> symbol_cache_;
  std::vector<onnx::ValueInfoProto> hints_;
  std::unordered_map<const Value*, std::string> symbols_;
  std::unordered_map<std::string, std::string> name_symbols_;  // the same by ONNX name (survives aliasing)
  std::set<std::string> complex_names_;
  std::unordered_map<std::string, QuantInfo> quantized_;
  std::unordered_map<std::string, int32_t> optionals_;
  std::unordered_map<std::string, int64_t> optional_ranks_;
  std::unordered_map<std::string, std::string> packed_lengths_;
  std::unordered_map<std::string, std::string> nested_valid_;
  std::unordered_map<const Value*, std::string> refused_;
  std::unordered_map<const Value*, std::string> produced_;
  std::unordered_map<std::string, std::string> sequence_roots_;                 // sequence name → its root
  std::unordered_map<std::string, int64_t> sequence_ranks_;                     // root → its tensors' rank
  std::unordered_map<std::string, std::pair<int32_t, bool>> sequence_types_;  // root → (element type, provisional)
  // Per open graph: its inputs recorded and the nodes ONNX shape inference has seen.
  struct InferenceState {
    int inputs_recorded = 0, inferred_upto = 0;
  };
  std::unordered_map<const onnx::GraphProto*, InferenceState> inference_;
  std::unordered_map<std::string, onnx::ValueInfoProto> known_types_;
  std::map<std::pair<const void*, std::string>, const Value*> attributes_;
  std::unordered_map<const torch::jit::Block*, std::vector<const Value*>> block_results_;
  const torch::jit::Block* rest_converted_until_ = nullptr;
  std::vector<InlineFrame> inline_frames_;
  // ONNX names the dims it cannot name "unk__0", "unk__1", … afresh in every inference run: each
  // run's are renamed "kiln_dim_N" (one counter for the export), or a dim of an earlier run that
  // a later one meets again as an input would be taken for the same size as a new dim.
  int dim_symbols_ = 0;
  std::unordered_map<std::string, const onnx::TensorProto*> initializers_;
  std::unordered_map<std::string, at::Tensor> deferred_;  // initializer name → its values, until materialized
  std::set<std::string> hinted_;
  void infer_new_nodes();
  void infer_graph_nodes(const onnx::GraphProto& g);
  void record_type(const onnx::ValueInfoProto& vi);
};

// Initializers of more elements than this have their bytes written only after conversion (the
// values shape inference reads are small ones: without_weights keeps exactly those).
inline constexpr int64_t kDeferredElements = kSmallInitializerElements;

// Formats a node for error messages: "aten::foo(...) # source location".
std::string describe_node(const Node* node);

}  // namespace kiln
