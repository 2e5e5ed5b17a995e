// Run-time control flow.
//
// prim::If: a static condition (an assertion on the declared rank, `torch.jit.is_scripting()`, a
// flag frozen into the module) picks its branch at export: that branch's nodes are converted in
// place and no ONNX If is written. A dynamic condition becomes an ONNX If with both branches as
// subgraphs; branches may return tuples and lists (flattened into one If output per element, and
// rebuilt afterwards) and numbers. A branch which only raises (an assertion) cannot be expressed
// in ONNX: the other branch is taken and the dropped check is listed in the report (torch.onnx
// does the same).
//
// prim::Loop: a static trip count with a constant continuation (`for i in range(dim)`) is
// unrolled at export, the body converted once per iteration; anything else — a trip count known
// only at run time, `while`, `break` on a run-time condition, more than 4096 iterations — becomes
// an ONNX Loop. Carried tensors and numbers are its loop-carried values; a list of tensors the body
// appends to (`tokens.append(next_token)`) is carried as an ONNX sequence, which cat / stack /
// len / indexing read after the loop (ops/sequence.cpp).
#include <functional>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "export/converter_util.h"
#include "export/view_writeback.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

bool raises(const torch::jit::Block* block) {
  for (const Node* n : block->nodes()) {
    if (n->kind() == c10::prim::RaiseException) return true;
  }
  return false;
}

// Converts a block in the current graph and makes the If's outputs its outputs (unless an If in
// it converted the rest of the block around this one too).
void inline_branch(ExportContext& ctx, const Node* node, const torch::jit::Block* block) {
  ctx.push_inline_frame({node, block});
  convert_block(ctx, block);
  ctx.pop_inline_frame();
  if (ctx.rest_converted_until() != nullptr) return;
  auto results = ctx.block_results(block);
  for (size_t i = 0; i < node->outputs().size(); ++i) ctx.alias_value(node->output(i), results[i]);
}

// What a branch returns, as a tree: tuples and lists of leaves; a leaf is a static number, None,
// or a run-time value (tensor or 0-d number).
struct Returned {
  std::vector<Returned> children;
  bool is_list = false;
  std::optional<std::vector<std::string>> dict_keys;  // a dict: its keys, children its values
  const Value* value = nullptr;  // a leaf
  bool none = false;
  bool uninitialized = false;  // prim::Uninitialized: never read (a path that returned early)
  std::optional<c10::IValue> static_value;
  // The leaf's element type, read while its branch's graph is the current one (its values are
  // not known to the graph around the If).
  std::optional<int32_t> type;
  std::optional<int64_t> rank;  // a tensor leaf's
  std::optional<std::string> name;  // a run-time leaf's ONNX name
  std::optional<c10::IValue> known;  // a static leaf's value (a tensor too)
  std::optional<int32_t> optional_elem;  // an ONNX optional's element type (an Optional decided earlier)
};

Returned describe(ExportContext& ctx, const Value* v) {
  Returned r;
  if (const auto* d = ctx.dict_of(v)) {
    r.dict_keys = d->keys;
    for (const Value* e : d->values) r.children.push_back(describe(ctx, e));
    return r;
  }
  if (auto elems = ctx.list_elements(v)) {
    r.is_list = true;
    for (const Value* e : *elems) r.children.push_back(describe(ctx, e));
    return r;
  }
  r.value = v;
  if (v->node()->kind() == c10::prim::Uninitialized) {
    r.uninitialized = true;
  } else if (ctx.is_none(v)) {
    r.none = true;
  } else if (ctx.is_static(v)) {
    auto iv = ctx.constant(v);
    r.known = iv;
    if (iv.isTuple() || iv.isList()) {
      r.is_list = true;
      auto items = iv.isTuple() ? iv.toTupleRef().elements().vec() : iv.toListRef().vec();
      for (const auto& item : items) r.children.push_back(describe(ctx, ctx.mint_static(item, c10::AnyType::get())));
      return r;
    }
    if (!iv.isTensor()) r.static_value = iv;
  }
  if (!r.static_value && !r.none && !r.uninitialized) {
    // What the branch's ONNX value holds (LibTorch's annotations can be wrong: argmax as Float).
    if (auto name = ctx.is_static(v) ? std::nullopt : ctx.name_of(v)) {
      r.type = ctx.elem_type_of(*name);
      r.name = name;
    }
    if (!r.type) r.type = value_type(ctx, v);
    if (auto elem = ctx.optional_of(v)) {
      r.optional_elem = elem;
      r.type = elem;
      r.rank = ctx.optional_rank(v);
    } else if (!r.static_value && !is_non_tensor(v)) {
      r.rank = ctx.rank_of(v);
    }
  }
  return r;
}

// The type of element `i` of a tuple, list or dict type (Any when the container's is not known):
// what collect_outputs and the converters read off the joined values.
c10::TypePtr element_type(const c10::TypePtr& container, size_t i) {
  if (auto tuple = container->cast<c10::TupleType>(); tuple && i < tuple->elements().size()) return tuple->elements()[i];
  if (auto list = container->cast<c10::ListType>()) return list->getElementType();
  if (auto dict = container->cast<c10::DictType>()) return dict->getValueType();
  return c10::AnyType::get();
}

bool same_static(const Returned& a, const Returned& b) {
  if (!a.static_value || !b.static_value) return false;
  const auto &x = *a.static_value, &y = *b.static_value;
  if (x.isInt() && y.isInt()) return x.toInt() == y.toInt();
  if (x.isBool() && y.isBool()) return x.toBool() == y.toBool();
  if (x.isDouble() && y.isDouble()) return x.toDouble() == y.toDouble();
  if (x.isString() && y.isString()) return x.toStringRef() == y.toStringRef();
  return false;
}

int32_t leaf_type(ExportContext&, const Returned& r) {
  if (r.static_value) {
    if (r.static_value->isDouble()) return onnx::TensorProto_DataType_FLOAT;
    if (r.static_value->isBool()) return onnx::TensorProto_DataType_BOOL;
    return onnx::TensorProto_DataType_INT64;
  }
  return r.type.value_or(onnx::TensorProto_DataType_FLOAT);
}

// The leaf's value as an ONNX value produced inside the current (branch) graph.
std::string branch_output(ExportContext& ctx, const Returned& r, int32_t type) {
  std::string v = r.static_value ? scalar_constant(ctx, ctx.const_double(r.value), static_cast<onnx::TensorProto_DataType>(type), "branch_value")
                                 : operand(ctx, r.value, type);
  return emit(ctx, "Identity", {v}, "branch_out");
}

// A value of `type` for a branch whose result is never read (prim::Uninitialized): an empty tensor,
// or 0 for a number.
std::string placeholder(ExportContext& ctx, const Returned& like, int32_t type) {
  if (like.static_value || is_non_tensor(like.value)) {
    return emit(ctx, "Identity", {scalar_constant(ctx, 0, static_cast<onnx::TensorProto_DataType>(type), "unset")}, "unset");
  }
  auto& n = ctx.add_node("ConstantOfShape", {ctx.add_int64s({0}, "empty")}, {ctx.fresh("unset")});
  auto* v = n.add_attribute();
  v->set_name("value");
  v->set_type(onnx::AttributeProto::TENSOR);
  auto t = at::zeros({1}, at::TensorOptions().dtype(torch_dtype(type).value_or(at::kFloat)));
  v->mutable_t()->set_data_type(type);
  v->mutable_t()->add_dims(1);
  v->mutable_t()->set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
  return n.output(0);
}

void add_graph_output(onnx::GraphProto& g, const std::string& name, int32_t type) {
  auto* vi = g.add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(type);
}

// Ifs that convert the rest of their block inside their branches, one inside another: at most
// this many (16 copies of what follows the first); past it the If is written as usual, and an op
// that needs what only the branches knew stops the export with its own error.
constexpr int kMaxRestDepth = 4;

// Whether an output of the If is a tensor whose rank differs between the branches and which is
// read by anything but a reshape to a list of given length (that gives the rank back: the region
// proposal network's decoded boxes go straight into view(num_images, -1, 4)).
bool rank_read_later(const Node* node, const std::vector<Returned>& then_out, const std::vector<Returned>& else_out) {
  for (size_t i = 0; i < then_out.size(); ++i) {
    const Returned &t = then_out[i], &e = else_out[i];
    if (!t.rank || !e.rank || *t.rank == *e.rank) continue;
    for (const auto& use : node->output(i)->uses()) {
      const Node* user = use.user;
      bool reshaped = (user->kind() == c10::aten::view || user->kind() == c10::aten::reshape) && use.offset == 0 &&
                      user->inputs().size() == 2 && user->input(1)->node()->kind() == c10::prim::ListConstruct;
      if (!reshaped) return true;
    }
  }
  return false;
}

// Whether the branches give different strings (nn.TransformerEncoder's reason for not taking its
// fast path, "" when it takes it, decided at run time): a string has no run-time form; after the
// If, each branch's is known again.
bool strings_differ(const std::vector<Returned>& then_out, const std::vector<Returned>& else_out) {
  for (size_t i = 0; i < then_out.size(); ++i) {
    const Returned &t = then_out[i], &e = else_out[i];
    bool t_str = t.static_value && t.static_value->isString(), e_str = e.static_value && e.static_value->isString();
    if ((t_str || e_str) && !same_static(t, e)) return true;
    if (t.children.size() == e.children.size() && strings_differ(t.children, e.children)) return true;
  }
  return false;
}

// The rest of an If's block, which it converts inside its branches: the nodes after it, then, out
// of each branch of a static If it stands in (innermost first), the nodes after that If; up to the
// first block that is not such a branch (the graph, a run-time If's branch, a loop body), whose
// results the If then gives.
struct RestOfBlock {
  std::vector<ExportContext::InlineFrame> frames;
  const torch::jit::Block* scope = nullptr;
};

// nullopt when the rest changes something defined outside that block (a list a loop appends to):
// the change would have to leave the If as well.
std::optional<RestOfBlock> rest_of_block(ExportContext& ctx, const Node* node) {
  RestOfBlock r;
  const torch::jit::Block* b = node->owningBlock();
  const auto& frames = ctx.inline_frames();
  for (auto it = frames.rbegin(); it != frames.rend() && it->branch == b; ++it) {
    r.frames.push_back(*it);
    b = it->static_if->owningBlock();
  }
  r.scope = b;
  auto changes_outside = [&](const Node* first) {
    for (const Node* n = first; n != n->owningBlock()->return_node(); n = n->next())
      if (mutates_outside(n, r.scope)) return true;
    return false;
  };
  if (mutates_outside(node, r.scope) || changes_outside(node->next())) return std::nullopt;
  for (const auto& f : r.frames)
    if (changes_outside(f.static_if->next())) return std::nullopt;
  return r;
}

// After the values a branch bound are forgotten: each leaf that has an ONNX name is a fresh value
// bound to it.
void rebind_leaves(ExportContext& ctx, Returned& r) {
  for (auto& child : r.children) rebind_leaves(ctx, child);
  if (r.known) r.value = ctx.mint_static(*r.known, r.value->type());
  else if (r.name) r.value = ctx.mint(*r.name, r.value->type());
}

void if_node(ExportContext& ctx, const Node* node, const Args&) {
  const Value* c = node->input(0);
  const auto* then_block = node->blocks()[0];
  const auto* else_block = node->blocks()[1];
  if (ctx.is_static(c)) return inline_branch(ctx, node, ctx.const_bool(c) ? then_block : else_block);
  bool then_raises = raises(then_block), else_raises = raises(else_block);
  if (then_raises && else_raises) unsupported(node, "both branches raise");
  if (then_raises || else_raises) {
    ctx.dropped_checks.push_back(describe_node(node));
    return inline_branch(ctx, node, then_raises ? else_block : then_block);
  }
  std::string cond = scalar_operand(ctx, c, onnx::TensorProto_DataType_BOOL);
  onnx::GraphProto then_g, else_g;
  then_g.set_name(ctx.fresh("then"));
  else_g.set_name(ctx.fresh("else"));
  std::vector<Returned> then_out, else_out;
  // Tensors from outside that a branch writes in place (`if c: y[0] = 1`): extra If outputs, each
  // branch giving its own version (the one it did not write gives the value as it was).
  std::vector<const Value*> written;
  for (const auto* block : {then_block, else_block})
    for (const Value* v : outer_values_written_in(block))
      if (!is_non_tensor(v) && ctx.is_bound(v) && std::find(written.begin(), written.end(), v) == written.end()) written.push_back(v);
  std::vector<std::string> before, then_written, else_written;
  std::vector<int32_t> written_types;
  for (const Value* v : written) {
    auto name = ctx.name_of(v);  // (bound: checked when it was collected)
    if (!name) throw Error(fmt::format("internal: %{} written in a branch has no ONNX name", v->debugName()));
    before.push_back(*name);
    written_types.push_back(value_type(ctx, v).value_or(onnx::TensorProto_DataType_FLOAT));
  }
  // Each branch: its returned values (described while its graph is current) and the outer
  // tensors it wrote, which are rebound to their value before the If for the other branch.
  auto convert_branch = [&](onnx::GraphProto* g, const torch::jit::Block* block, std::vector<Returned>& out,
                            std::vector<std::string>& written_out) {
    ctx.push_graph(g);
    convert_block(ctx, block);
    for (const Value* v : ctx.block_results(block)) out.push_back(describe(ctx, v));
    for (size_t i = 0; i < written.size(); ++i) {
      written_out.push_back(emit(ctx, "Identity", {operand(ctx, written[i], written_types[i])}, "branch_written"));
      ctx.bind(written[i], before[i]);
    }
    ctx.pop_graph();
  };
  convert_branch(&then_g, then_block, then_out, then_written);
  convert_branch(&else_g, else_block, else_out, else_written);

  // A tensor of a different rank in each branch read later by an op that needs its rank, or
  // different strings: the rest of the block is converted inside each branch, where each is known,
  // and the block's results are the If's outputs.
  std::optional<RestOfBlock> rest;
  if (ctx.rest_depth < kMaxRestDepth && (rank_read_later(node, then_out, else_out) || strings_differ(then_out, else_out))) {
    rest = rest_of_block(ctx, node);
  }
  std::vector<Returned> then_rest, else_rest;
  if (rest) {
    const ExportContext::ValueState saved = ctx.save_values();
    const auto frames = ctx.inline_frames();
    auto convert_rest = [&](onnx::GraphProto* g, const torch::jit::Block* block, const std::vector<std::string>& written_out,
                            std::vector<Returned>& out) {
      ctx.push_graph(g);
      for (size_t i = 0; i < written.size(); ++i) ctx.bind(written[i], written_out[i]);
      auto results = ctx.block_results(block);
      for (size_t i = 0; i < node->outputs().size(); ++i) ctx.alias_value(node->output(i), results[i]);
      ctx.clear_block_results(rest->scope);
      for (const auto& f : rest->frames) ctx.clear_block_results(f.branch);
      // The rest's values are named in this branch only: what the other branch and the join need
      // is the ONNX names the results have (kept by describe). Restored on an error too (--check
      // goes on after it).
      struct Restore {
        ExportContext& ctx;
        const ExportContext::ValueState& values;
        const std::vector<ExportContext::InlineFrame>& frames;
        ~Restore() {
          ctx.restore_values(values);
          ctx.set_inline_frames(frames);
          --ctx.rest_depth;
        }
      } restore{ctx, saved, frames};
      ++ctx.rest_depth;
      convert_rest_of_block(ctx, node->next());
      for (const auto& f : rest->frames) {  // out of each inlined branch, on after its static If
        if (ctx.rest_converted_until() != nullptr) break;  // an If further on converted the rest
        ctx.pop_inline_frame();
        auto branch_results = ctx.block_results(f.branch);
        for (size_t i = 0; i < f.static_if->outputs().size(); ++i) ctx.alias_value(f.static_if->output(i), branch_results[i]);
        convert_rest_of_block(ctx, f.static_if->next());
      }
      ctx.clear_rest_converted();
      for (const Value* v : ctx.block_results(rest->scope)) out.push_back(describe(ctx, v));
      ctx.pop_graph();
    };
    convert_rest(&then_g, then_block, then_written, then_rest);
    convert_rest(&else_g, else_block, else_written, else_rest);
    for (auto* rests : {&then_rest, &else_rest})
      for (auto& r : *rests) rebind_leaves(ctx, r);
  }

  // Match the two trees leaf by leaf: equal statics stay static, the rest become If outputs.
  std::vector<std::string> outs;
  std::function<const Value*(const Returned&, const Returned&, const c10::TypePtr&)> join =
      [&](const Returned& t, const Returned& e, const c10::TypePtr& type) -> const Value* {
    if (t.dict_keys || e.dict_keys) {
      if (!t.dict_keys || !e.dict_keys || *t.dict_keys != *e.dict_keys) {
        unsupported(node, "the branches return dicts with different keys");
      }
      const Value* dict = ctx.mint(std::string(), type);
      auto& record = ctx.record_dict(dict);
      record.keys = *t.dict_keys;
      for (size_t i = 0; i < t.children.size(); ++i) record.values.push_back(join(t.children[i], e.children[i], element_type(type, i)));
      return dict;
    }
    if (t.is_list || e.is_list) {
      if (t.is_list != e.is_list || t.children.size() != e.children.size()) {
        unsupported(node, "the branches return lists or tuples of different lengths");
      }
      std::vector<const Value*> elems;
      for (size_t i = 0; i < t.children.size(); ++i) elems.push_back(join(t.children[i], e.children[i], element_type(type, i)));
      const Value* list = ctx.mint(std::string(), type);
      ctx.record_list(list, std::move(elems));
      return list;
    }
    if (t.uninitialized && e.uninitialized) return ctx.mint_static(c10::IValue(), c10::NoneType::get());
    if (t.uninitialized || e.uninitialized) {  // the other branch's value; a placeholder where it is never read
      const Returned& real = t.uninitialized ? e : t;
      int32_t ty = leaf_type(ctx, real);
      ctx.push_graph(&then_g);
      std::string tn = t.uninitialized ? placeholder(ctx, real, ty) : branch_output(ctx, t, ty);
      ctx.pop_graph();
      ctx.push_graph(&else_g);
      std::string en = e.uninitialized ? placeholder(ctx, real, ty) : branch_output(ctx, e, ty);
      ctx.pop_graph();
      add_graph_output(then_g, tn, ty);
      add_graph_output(else_g, en, ty);
      std::string name = ctx.fresh("if_out");
      outs.push_back(name);
      return ctx.mint(name, type);
    }
    if (t.none || e.none || t.optional_elem || e.optional_elem) {
      if (t.none && e.none) return ctx.mint_static(c10::IValue(), c10::NoneType::get());
      // An Optional decided at run time: both branches give an ONNX optional (Optional is
      // opset 15, an If that returns one opset 16).
      if (ctx.opset() < 16) {
        unsupported(node, "a branch returns None where the other returns a value: an Optional decided at run time needs "
                          "opset 16 (an If returning an ONNX optional)");
      }
      // (an ONNX optional from an earlier If in one branch, `if m is not None: m = m.unsqueeze(0)`
      // giving the tensor in the other: both give an optional)
      const Returned& real = t.none ? e : t;
      if (real.static_value || (!real.optional_elem && is_non_tensor(real.value))) {
        unsupported(node, "an Optional number decided at run time");
      }
      int32_t ty = leaf_type(ctx, real);
      // The element's rank, where every branch that has one agrees.
      std::optional<int64_t> rank;
      bool ranks_agree = true;
      auto optional_out = [&](onnx::GraphProto& g, const Returned& r) {
        ctx.push_graph(&g);
        std::string name = ctx.fresh("optional");
        if (r.none) {
          auto& n = ctx.add_node("Optional", {}, {name});
          auto* at = n.add_attribute();
          at->set_name("type");
          at->set_type(onnx::AttributeProto::TYPE_PROTO);
          at->mutable_tp()->mutable_tensor_type()->set_elem_type(ty);
        } else {
          std::optional<int64_t> r_rank = r.optional_elem ? r.rank : ctx.rank_of(r.value);
          if (rank && r_rank != rank) ranks_agree = false;
          if (!rank) rank = r_rank;
          if (!r_rank) ranks_agree = false;
          if (r.optional_elem) {
            if (*r.optional_elem != ty) unsupported(node, "the branches give optionals of different element types");
            ctx.add_node("Identity", {ctx.in(r.value)}, {name});  // (Identity takes optionals from opset 16)
          } else {
            ctx.add_node("Optional", {operand(ctx, r.value, ty)}, {name});
          }
        }
        ctx.pop_graph();
        auto* vi = g.add_output();
        vi->set_name(name);
        vi->mutable_type()->mutable_optional_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(ty);
      };
      optional_out(then_g, t);
      optional_out(else_g, e);
      std::string name = ctx.fresh("if_optional");
      outs.push_back(name);
      const Value* result = ctx.mint(name, type);
      ctx.mark_optional(name, ty, ranks_agree ? rank : std::nullopt);
      return result;
    }
    if (same_static(t, e)) return ctx.mint_static(*t.static_value, type);
    int32_t ty = t.static_value ? leaf_type(ctx, e) : leaf_type(ctx, t);
    if (!t.static_value && !e.static_value && leaf_type(ctx, t) != leaf_type(ctx, e)) {
      ty = onnx::TensorProto_DataType_FLOAT;  // int in one branch, float in the other: PyTorch's promotion
    }
    ctx.push_graph(&then_g);
    std::string tn = branch_output(ctx, t, ty);
    ctx.pop_graph();
    ctx.push_graph(&else_g);
    std::string en = branch_output(ctx, e, ty);
    ctx.pop_graph();
    add_graph_output(then_g, tn, ty);
    add_graph_output(else_g, en, ty);
    std::string name = ctx.fresh("if_out");
    outs.push_back(name);
    return ctx.mint(name, type);
  };
  if (rest) {
    std::vector<const Value*> results;
    for (size_t i = 0; i < then_rest.size(); ++i) {
      results.push_back(join(then_rest[i], else_rest[i], rest->scope->outputs()[i]->type()));
    }
    if (!outs.empty()) {
      auto& n = ctx.add_node("If", {cond}, outs);
      set_attr(n, "then_branch", then_g);
      set_attr(n, "else_branch", else_g);
    }
    ctx.set_block_results(rest->scope, std::move(results));
    ctx.mark_rest_converted(rest->scope);
    return;
  }
  std::vector<const Value*> results;
  for (size_t i = 0; i < node->outputs().size(); ++i) results.push_back(join(then_out[i], else_out[i], node->output(i)->type()));
  std::vector<std::string> written_after;
  for (size_t i = 0; i < written.size(); ++i) {
    add_graph_output(then_g, then_written[i], written_types[i]);
    add_graph_output(else_g, else_written[i], written_types[i]);
    written_after.push_back(ctx.fresh("if_written"));
    outs.push_back(written_after.back());
  }
  for (size_t i = 0; i < written.size(); ++i) ctx.bind(written[i], written_after[i]);
  if (!outs.empty()) {
    auto& n = ctx.add_node("If", {cond}, outs);
    set_attr(n, "then_branch", then_g);
    set_attr(n, "else_branch", else_g);
  }
  for (size_t i = 0; i < results.size(); ++i) ctx.alias_value(node->output(i), results[i]);
}

// --- Loop ----------------------------------------------------------------------------------------

constexpr int64_t kMaxUnrolledIterations = 4096;

// prim::Loop with a static trip count and a constant continuation: unrolled, the body converted
// once per iteration with the iteration number and carried values bound.
void unroll(ExportContext& ctx, const Node* node, int64_t trips) {
  const auto* body = node->blocks()[0];
  std::vector<const Value*> carried(node->inputs().begin() + 2, node->inputs().end());
  for (int64_t i = 0; i < trips; ++i) {
    ctx.set_known(body->inputs()[0], c10::IValue(i));
    for (size_t j = 0; j < carried.size(); ++j) ctx.alias_value(body->inputs()[j + 1], carried[j]);
    convert_block(ctx, body);
    // Snapshot the carried values: the next iteration re-converts (and rebinds) the body.
    std::vector<const Value*> next;
    const auto results = ctx.block_results(body);
    for (size_t j = 0; j < carried.size(); ++j) {
      const Value* out = results[j + 1];
      const Value* keep = ctx.mint(std::string(), out->type());
      ctx.alias_value(keep, out);
      next.push_back(keep);
    }
    carried = std::move(next);
  }
  for (size_t j = 0; j < carried.size(); ++j) ctx.alias_value(node->output(j), carried[j]);
}

// Lists defined outside the loop that its body appends to: TorchScript mutates them in place
// (they are not loop-carried in its IR); ONNX carries them as sequences.
bool defined_inside(const Value* v, const torch::jit::Block* body) {
  for (const torch::jit::Block* b = v->node()->owningBlock(); b != nullptr;
       b = b->owningNode() != nullptr ? b->owningNode()->owningBlock() : nullptr) {
    if (b == body) return true;
  }
  return false;
}

void appended_lists(const torch::jit::Block* block, const torch::jit::Block* loop_body, std::vector<const Value*>& out) {
  for (const Node* n : block->nodes()) {
    if (n->kind() == c10::aten::append) {
      const Value* list = n->input(0);
      if (!defined_inside(list, loop_body) && std::find(out.begin(), out.end(), list) == out.end()) out.push_back(list);
    }
    for (const auto* b : n->blocks()) appended_lists(b, loop_body, out);
  }
}

// The element type a list's tensors have: from what is already in it, else from the first
// tensor the body appends to it as TorchScript recorded it; nullopt when neither says.
std::optional<int32_t> list_elem_type(ExportContext& ctx, const Value* list, const torch::jit::Block* body) {
  if (auto elems = ctx.list_elements(list); elems && !elems->empty()) {
    if (auto t = value_type(ctx, (*elems)[0])) return t;
  }
  std::function<std::optional<int32_t>(const torch::jit::Block*)> find = [&](const torch::jit::Block* b) -> std::optional<int32_t> {
    for (const Node* n : b->nodes()) {
      if (n->kind() == c10::aten::append && n->input(0) == list) {
        if (auto t = scalar_onnx_type(n->input(1))) return static_cast<int32_t>(*t);
      }
      for (const auto* sub : n->blocks())
        if (auto t = find(sub)) return t;
    }
    return std::nullopt;
  };
  return find(body);
}

// A list of tensors as an ONNX sequence value (in the current graph).
std::string as_sequence(ExportContext& ctx, const Node* node, const Value* list, int32_t elem_type) {
  if (ctx.sequence_of(list)) return ctx.in(list);
  auto elems = ctx.list_elements(list);
  if (!elems && ctx.is_static(list) && ctx.constant(list).isTensorList()) {
    elems.emplace();
    const c10::IValue value = ctx.constant(list);  // named: the loop reads into it
    for (const auto& t : value.toListRef()) elems->push_back(ctx.mint_static(t, c10::TensorType::get()));
  }
  if (!elems) unsupported(node, "a list the loop appends to that kiln does not track");
  std::string seq = ctx.fresh("sequence");
  if (elems->empty()) {
    auto& n = ctx.add_node("SequenceEmpty", {}, {seq});
    set_attr(n, "dtype", static_cast<int64_t>(elem_type));
    return seq;
  }
  std::vector<std::string> parts;
  for (const Value* e : *elems) parts.push_back(operand(ctx, e, elem_type));
  ctx.add_node("SequenceConstruct", parts, {seq});
  return seq;
}

struct Carried {
  const Value* init = nullptr;         // the value entering the loop
  const Value* body_in = nullptr;      // the body's block input (nullptr for an appended list)
  const Value* body_out = nullptr;     // the body's block output (the list itself for an appended list)
  const Value* after = nullptr;        // the value after the loop
  bool sequence = false;
  bool provisional = false;  // a sequence whose element type the first append settles
  bool uninitialized = false;  // prim::Uninitialized entering (a value set before it is read)
  int32_t type = onnx::TensorProto_DataType_FLOAT;
  std::optional<int64_t> rank;
  // An element of a loop-carried tuple: the tuple's values and this element's position.
  const Value* tuple_body_out = nullptr;
  size_t tuple_index = 0;
};

// An ONNX Loop: M, cond and the carried values; body (iteration, cond, carried...) →
// (cond, carried...).
void onnx_loop(ExportContext& ctx, const Node* node) {
  const auto* body = node->blocks()[0];
  std::vector<Carried> carried;
  // Tuples carried through the loop are carried element by element; rebuilt on each side.
  struct TupleCarried {
    const Value* body_in;
    const Value* after;
    size_t first, count;
  };
  std::vector<TupleCarried> tuples;
  for (size_t j = 0; j + 2 < node->inputs().size(); ++j) {
    Carried c;
    c.init = node->input(j + 2);
    c.body_in = body->inputs()[j + 1];
    c.body_out = body->outputs()[j + 1];
    c.after = node->output(j);
    if (c.init->type()->kind() == c10::TypeKind::TupleType) {
      auto elems = ctx.list_elements(c.init);
      if (!elems) unsupported(node, "a loop-carried tuple kiln does not track");
      tuples.push_back({c.body_in, c.after, carried.size(), elems->size()});
      for (size_t k = 0; k < elems->size(); ++k) {
        Carried e;
        e.init = (*elems)[k];
        if (is_non_tensor(e.init) && !scalar_onnx_type(e.init)) unsupported(node, "a loop-carried tuple of non-tensors");
        e.type = value_type(ctx, e.init).value_or(onnx::TensorProto_DataType_FLOAT);
        e.rank = is_non_tensor(e.init) ? std::optional<int64_t>(0) : ctx.rank_of(e.init);
        e.tuple_body_out = c.body_out;
        e.tuple_index = k;
        carried.push_back(e);
      }
      continue;
    }
    if (c.init->node()->kind() == c10::prim::Uninitialized) {
      c.uninitialized = true;
      c.type = value_type(ctx, c.body_out).value_or(onnx::TensorProto_DataType_FLOAT);
      if (is_non_tensor(c.body_out)) c.rank = 0;
      carried.push_back(c);
      continue;
    }
    if (ctx.is_none(c.init)) unsupported(node, "a loop-carried None (an Optional)");
    bool list = c.init->type()->kind() == c10::TypeKind::ListType;
    if (list) {
      c.sequence = true;
      auto t = list_elem_type(ctx, c.init, body);
      c.type = t.value_or(onnx::TensorProto_DataType_FLOAT);
      c.provisional = !t;
    } else if (is_non_tensor(c.init) && !scalar_onnx_type(c.init)) {
      unsupported(node, fmt::format("a loop-carried {} (kiln carries tensors, numbers, tuples and lists of tensors)", c.init->type()->str()));
    } else {
      c.type = value_type(ctx, c.init).value_or(onnx::TensorProto_DataType_FLOAT);
      c.rank = is_non_tensor(c.init) ? std::optional<int64_t>(0) : ctx.rank_of(c.init);
    }
    carried.push_back(c);
  }
  // Tensors from outside the loop that the body writes in place (through views too): carried.
  for (const Value* v : outer_values_written_in(body)) {
    if (is_non_tensor(v) || !ctx.is_bound(v)) continue;
    Carried c;
    c.init = v;
    c.body_out = v;
    c.after = v;
    c.type = value_type(ctx, v).value_or(onnx::TensorProto_DataType_FLOAT);
    c.rank = ctx.rank_of(v);
    carried.push_back(c);
  }
  std::vector<const Value*> lists;
  appended_lists(body, body, lists);
  for (const Value* l : lists) {
    Carried c;
    c.init = l;
    c.body_out = l;
    c.after = l;
    c.sequence = true;
    auto t = list_elem_type(ctx, l, body);
    c.type = t.value_or(onnx::TensorProto_DataType_FLOAT);
    c.provisional = !t;
    carried.push_back(c);
  }

  // Initial values, in the enclosing graph.
  std::string trips = scalar_operand(ctx, node->input(0), onnx::TensorProto_DataType_INT64);
  std::string cond = scalar_operand(ctx, node->input(1), onnx::TensorProto_DataType_BOOL);
  std::vector<std::string> inits;
  for (const auto& c : carried) {
    if (c.uninitialized) {  // never read before the body sets it: an empty tensor or 0 of its type
      Returned like;
      like.value = c.body_out;
      inits.push_back(placeholder(ctx, like, c.type));
      continue;
    }
    inits.push_back(c.sequence ? as_sequence(ctx, node, c.init, c.type) : operand(ctx, c.init, c.type));
  }

  onnx::GraphProto& outer = ctx.graph();
  onnx::GraphProto g;
  g.set_name(ctx.fresh("loop_body"));
  auto scalar_input = [&](const std::string& name, int32_t type) {
    auto* vi = g.add_input();
    vi->set_name(name);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(type);
    vi->mutable_type()->mutable_tensor_type()->mutable_shape();
  };
  std::string iter = ctx.fresh("iteration"), cond_in = ctx.fresh("cond_in");
  scalar_input(iter, onnx::TensorProto_DataType_INT64);
  scalar_input(cond_in, onnx::TensorProto_DataType_BOOL);
  std::vector<std::string> body_inputs;
  for (const auto& c : carried) {
    std::string name = ctx.fresh(c.sequence ? "carried_list" : "carried");
    auto* vi = g.add_input();
    vi->set_name(name);
    if (c.sequence) {
      vi->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(c.type);
    } else {
      auto* tt = vi->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(c.type);
      if (c.rank) {
        auto* shape = tt->mutable_shape();
        for (int64_t d = 0; d < *c.rank; ++d) shape->add_dim();
      }
    }
    body_inputs.push_back(name);
  }

  ctx.push_graph(&g);
  ctx.bind(body->inputs()[0], iter);
  for (size_t j = 0; j < carried.size(); ++j) {
    const auto& c = carried[j];
    if (c.tuple_body_out != nullptr) continue;  // bound through its tuple below
    const Value* v = c.body_in != nullptr ? c.body_in : c.init;
    if (c.sequence) ctx.bind_sequence(v, body_inputs[j], c.type, c.provisional);
    else ctx.bind(v, body_inputs[j]);
  }
  for (const auto& t : tuples) {
    std::vector<const Value*> elems;
    for (size_t k = 0; k < t.count; ++k) elems.push_back(ctx.mint(body_inputs[t.first + k], carried[t.first + k].init->type()));
    ctx.record_list(t.body_in, std::move(elems));
  }
  convert_block(ctx, body);
  // What the body gives (an If in it may have converted the rest of it inside its branches).
  const auto results = ctx.block_results(body);
  auto result_of = [&](const Value* v) {
    for (size_t k = 0; k < results.size(); ++k)
      if (body->outputs()[k] == v) return results[k];
    return v;
  };
  for (auto& c : carried) {
    if (c.body_out != nullptr) c.body_out = result_of(c.body_out);
    if (c.tuple_body_out != nullptr) c.tuple_body_out = result_of(c.tuple_body_out);
  }
  for (auto& c : carried) {  // a tuple element's value at the end of the body
    if (c.tuple_body_out == nullptr) continue;
    auto elems = ctx.list_elements(c.tuple_body_out);
    if (!elems || elems->size() <= c.tuple_index) unsupported(node, "a loop-carried tuple whose shape the body changes");
    c.body_out = (*elems)[c.tuple_index];
  }
  // Element types settled by the body's appends: the body input, its initial value and the Loop's
  // output take them.
  for (size_t j = 0; j < carried.size(); ++j) {
    auto& c = carried[j];
    if (!c.sequence || !c.provisional) continue;
    c.type = ctx.sequence_type(body_inputs[j]);
    g.mutable_input(static_cast<int>(j) + 2)->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(c.type);
    for (auto& n : *outer.mutable_node()) {  // the SequenceEmpty that made the initial value
      if (n.op_type() == "SequenceEmpty" && n.output(0) == inits[j]) {
        n.mutable_attribute(0)->set_i(c.type);
      }
    }
  }
  std::string cond_out = emit(ctx, "Identity", {scalar_operand(ctx, results[0], onnx::TensorProto_DataType_BOOL)}, "cond_out");
  std::vector<std::string> body_outputs{cond_out};
  for (const auto& c : carried) {
    // Sequences are produced in the body already (an input or a SequenceInsert); Identity takes
    // sequences only from opset 14.
    if (c.sequence) body_outputs.push_back(as_sequence(ctx, node, c.body_out, c.type));
    else body_outputs.push_back(emit(ctx, "Identity", {operand(ctx, c.body_out, c.type)}, "carried_out"));
  }
  ctx.pop_graph();
  auto add_out = [&](const std::string& name) { g.add_output()->set_name(name); };
  for (const auto& o : body_outputs) add_out(o);
  // Output types: those of the matching inputs (the condition, then each carried value).
  *g.mutable_output(0)->mutable_type() = g.input(1).type();
  for (int k = 1; k < g.output_size(); ++k) *g.mutable_output(k)->mutable_type() = g.input(k + 1).type();

  std::vector<std::string> loop_inputs{trips, cond};
  loop_inputs.insert(loop_inputs.end(), inits.begin(), inits.end());
  std::vector<std::string> loop_outputs;
  for (size_t j = 0; j < carried.size(); ++j) loop_outputs.push_back(ctx.fresh(carried[j].sequence ? "loop_list" : "loop_out"));
  auto& n = ctx.add_node("Loop", loop_inputs, loop_outputs);
  set_attr(n, "body", g);
  // The body's inputs are declared with the initial values' ranks, but ONNX's Loop inference
  // keeps only what it inferred for the body's outputs (nothing, after a Concat with a run-time
  // size): the carried tensors keep their rank (a Mask R-CNN's pasted masks).
  for (size_t j = 0; j < carried.size(); ++j) {
    const auto& c = carried[j];
    if (!c.sequence && c.rank && *c.rank > 0) hint_rank(ctx, loop_outputs[j], *c.rank);
  }
  for (size_t j = 0; j < carried.size(); ++j) {
    const auto& c = carried[j];
    if (c.tuple_body_out != nullptr) continue;
    if (c.sequence) {
      ctx.bind_sequence(c.after, loop_outputs[j], c.type);
      // the rank the body's appends recorded (on the body's own copy of the sequence)
      if (auto rank = ctx.sequence_rank(body_inputs[j])) ctx.settle_sequence_rank(loop_outputs[j], *rank);
    } else {
      ctx.bind(c.after, loop_outputs[j]);
    }
  }
  for (const auto& t : tuples) {
    std::vector<const Value*> elems;
    for (size_t k = 0; k < t.count; ++k) elems.push_back(ctx.mint(loop_outputs[t.first + k], carried[t.first + k].init->type()));
    ctx.record_list(t.after, std::move(elems));
  }
}

void loop(ExportContext& ctx, const Node* node, const Args&) {
  const auto* body = node->blocks()[0];
  bool constant_continue = body->outputs()[0]->node()->kind() == c10::prim::Constant && ctx.is_static(body->outputs()[0]) &&
                           ctx.const_bool(body->outputs()[0]);
  if (ctx.is_static(node->input(0)) && ctx.is_static(node->input(1)) && constant_continue) {
    int64_t trips = ctx.const_int(node->input(0));
    if (!ctx.const_bool(node->input(1))) trips = 0;
    if (trips <= kMaxUnrolledIterations) return unroll(ctx, node, trips);
  }
  onnx_loop(ctx, node);
}

}  // namespace

void register_control_flow_ops(OpRegistry& r) {
  r.add("prim::If", "any", if_node,
        "nothing (static condition: the branch taken is inlined) or If (both branches as subgraphs; tuples flattened)",
        {.complex = true});
  r.add("prim::Loop", "any any ...", loop,
        "nothing (a static loop is unrolled) or Loop (run-time trip count or condition; appended lists as sequences)",
        {.complex = true});
}

}  // namespace kiln
