// TorchScript's scalar and list world: ints, floats, bools, lists, tuples, dicts, None.
//
// One rule (docs/exporter.md): a value is static when it is known at export — constants, results
// folded from static inputs (static_fold.h), dims that ONNX shape inference proves from the
// declared input ranks and static dims, ranks. Static values never reach the graph unless a
// tensor op needs them. Everything else is dynamic: an int64 / float / bool 0-d ONNX tensor
// computed by Shape, Gather and arithmetic, so a symbolic dim stays symbolic. The converters here
// run only for the dynamic case (or for structure: lists, tuples and dicts are bookkeeping, not
// tensors).
#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "common/error.h"
#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// A dict's key as the record holds it: a string as itself, a number or bool (TorchScript dicts of
// one key type) tagged with its type; nullopt for other keys.
std::optional<std::string> dict_key(const c10::IValue& key) {
  if (key.isString()) return key.toStringRef();
  if (key.isInt()) return fmt::format("int {}", key.toInt());
  if (key.isDouble()) return fmt::format("float {}", key.toDouble());
  if (key.isBool()) return std::string(key.toBool() ? "bool True" : "bool False");
  return std::nullopt;
}
std::optional<std::string> static_dict_key(ExportContext& ctx, const Value* v) {
  return ctx.is_static(v) ? dict_key(ctx.constant(v)) : std::nullopt;
}


// The value `v` holds now, kept apart from `v` itself: a list built in an unrolled loop holds one
// element per iteration, while the loop body's value is rebound every iteration.
// A tuple, list or dict is kept element by element: `[(k, v) for k, v in zip(names, results)]`
// rebinds k and v themselves in every iteration.
const Value* snapshot(ExportContext& ctx, const Value* v) {
  const Value* keep = ctx.mint(std::string(), v->type());
  ctx.alias_value(keep, v);
  if (auto elems = ctx.list_elements(v)) {
    std::vector<const Value*> kept;
    for (const Value* e : *elems) kept.push_back(snapshot(ctx, e));
    ctx.record_list(keep, std::move(kept));
  }
  if (const auto* d = ctx.dict_of(v)) {
    auto copy = *d;  // (v keeps its own values)
    for (auto& e : copy.values) e = snapshot(ctx, e);
    ctx.record_dict(keep) = std::move(copy);
  }
  return keep;
}

int64_t normalize_index(int64_t i, int64_t n) {
  return i < 0 ? i + n : i;
}

// aten::size(x, dim) → static when the dim is; else Shape + Gather (a 0-d int64).
// aten::size(x) → a static int list, or the Shape tensor itself (a list bound to a 1-D tensor).
void size(ExportContext& ctx, const Node* node, const Args&) {
  auto dims = ctx.dims_of(node->input(0));
  // A complex tensor is a real pair: its last dim (2) is not one of PyTorch's.
  bool pair = ctx.is_complex(node->input(0));
  if (pair && !dims) unsupported(node, "the size of a complex tensor of unknown rank");
  if (pair) dims->pop_back();
  if (node->inputs().size() == 1) {
    bool all_static = dims.has_value();
    if (dims)
      for (auto d : *dims) all_static &= d >= 0;
    if (all_static) {
      ctx.set_known(node->output(), c10::IValue(*dims));
      return;
    }
    if (!dims) {  // unknown rank: the run-time shape itself
      ctx.add_node("Shape", {ctx.in(node->input(0))}, {ctx.out(node->output(), "shape_of")});
      return;
    }
    // Static dims stay static, dynamic ones are read at run time: `n, c, h, w = x.shape` keeps
    // c, h and w as numbers.
    auto syms = ctx.dim_symbols_of(node->input(0));
    std::string shape = ctx.fresh("shape_of");
    ctx.add_node("Shape", {ctx.in(node->input(0))}, {shape});
    std::vector<const Value*> elems;
    for (size_t i = 0; i < dims->size(); ++i) {
      if ((*dims)[i] >= 0) {
        elems.push_back(ctx.mint_static(c10::IValue((*dims)[i]), c10::IntType::get()));
        continue;
      }
      std::string d = ctx.fresh("size");
      ctx.add_node("Gather", {shape, ctx.add_int64s({static_cast<int64_t>(i)}, "dim", true)}, {d});
      const Value* e = ctx.mint(d, c10::IntType::get());
      if (i < syms.size() && !syms[i].empty()) ctx.set_symbol(e, syms[i]);
      elems.push_back(e);
    }
    ctx.record_list(node->output(), std::move(elems));
    return;
  }
  if (!ctx.is_static(node->input(1))) unsupported(node, "size() of a dimension chosen at run time");
  int64_t dim = ctx.const_int(node->input(1));
  if (dims) {
    dim = normalize_index(dim, static_cast<int64_t>(dims->size()));
    if (dim < 0 || dim >= static_cast<int64_t>(dims->size()))
      unsupported(node, "dimension out of range");
    if ((*dims)[static_cast<size_t>(dim)] >= 0) {
      ctx.set_known(node->output(), c10::IValue((*dims)[static_cast<size_t>(dim)]));
      return;
    }
  }
  auto syms = ctx.dim_symbols_of(node->input(0));
  std::string shape = ctx.fresh("shape_of");
  ctx.add_node("Shape", {ctx.in(node->input(0))}, {shape});
  ctx.add_node("Gather", {shape, ctx.add_int64s({dim}, "dim", /*as_scalar=*/true)},
               {ctx.out(node->output(), "size")});
  if (dim >= 0 && dim < static_cast<int64_t>(syms.size()) &&
      !syms[static_cast<size_t>(dim)].empty()) {
    ctx.set_symbol(node->output(),
                   syms[static_cast<size_t>(dim)]);  // after out(): binding clears it
  }
}

// A list of ints, floats, bools or strings whose elements are all static is itself static again
// (F.interpolate's scale factors, built by append in an unrolled loop).
void make_static_if_possible(ExportContext& ctx, const Value* list) {
  auto elems = ctx.list_elements(list);
  if (!elems) return;
  for (const Value* e : *elems)
    if (!ctx.is_static(e)) return;
  if (list->type()->cast<c10::TupleType>()) {
    std::vector<c10::IValue> items;
    for (const Value* e : *elems) items.push_back(ctx.constant(e));
    ctx.set_known(list, c10::ivalue::Tuple::create(std::move(items)));
    return;
  }
  auto lt = list->type()->cast<c10::ListType>();
  if (!lt) return;
  auto kind = lt->getElementType()->kind();
  if (kind == c10::TypeKind::IntType) {
    c10::List<int64_t> l;
    for (const Value* e : *elems) l.push_back(ctx.const_int(e));
    ctx.set_known(list, l);
  } else if (kind == c10::TypeKind::FloatType) {
    c10::List<double> l;
    for (const Value* e : *elems) l.push_back(ctx.const_double(e));
    ctx.set_known(list, l);
  } else if (kind == c10::TypeKind::BoolType) {
    c10::List<bool> l;
    for (const Value* e : *elems) l.push_back(ctx.const_bool(e));
    ctx.set_known(list, l);
  } else if (kind == c10::TypeKind::TensorType) {
    c10::List<at::Tensor> l;
    for (const Value* e : *elems) {
      auto t = ctx.const_tensor(e);
      if (!t) return;
      l.push_back(*t);
    }
    ctx.set_known(list, l);
  }
}

// The elements of a list value: tracked, or static (each minted as a static element).
std::optional<std::vector<const Value*>> elements_of(ExportContext& ctx, const Value* v) {
  if (auto e = ctx.list_elements(v)) return e;
  if (!ctx.is_static(v) || !ctx.constant(v).isList()) return std::nullopt;
  auto lt = v->type()->cast<c10::ListType>();
  std::vector<const Value*> out;
  const c10::IValue list = ctx.constant(v);  // named: the loop reads into it
  for (const auto& iv : list.toListRef()) out.push_back(ctx.mint_static(iv, lt ? lt->getElementType() : c10::AnyType::get()));
  return out;
}

// list.append(x) / list.insert(i, x) / list.extend(other) on a list built in the graph
// (`features.append(y)`, an FPN's `names.extend(["p6", "p7"])`): the list's elements change.
void append(ExportContext& ctx, const Node* node, const Args&) {
  static const c10::Symbol extend = c10::Symbol::fromQualString("aten::extend");
  const Value* list = node->input(0);
  if (ctx.sequence_of(list)) {  // a list held as an ONNX sequence (inside a Loop)
    if (node->kind() != c10::aten::append) unsupported(node, "inserting into a list built in a run-time loop");
    std::string x = ctx.in(node->input(1));
    std::string seq_in = ctx.in(list);
    auto have = ctx.elem_type_of(x);
    if (!have) have = value_type(ctx, node->input(1));
    int32_t elem = have ? ctx.settle_sequence_type(seq_in, *have) : ctx.sequence_type(seq_in);
    if (auto rank = ctx.rank_of(node->input(1))) ctx.settle_sequence_rank(seq_in, *rank);
    std::string seq = emit(ctx, "SequenceInsert", {seq_in, emit_cast(ctx, x, elem)}, "appended");
    ctx.bind_sequence_version(list, seq, seq_in);
    ctx.bind_sequence_version(node->output(), seq, seq_in);
    return;
  }
  auto elems = elements_of(ctx, list);
  if (!elems) unsupported(node, "appending to a list kiln does not track");
  if (node->kind() == extend) {  // other's elements, in order
    auto more = elements_of(ctx, node->input(1));
    if (!more) unsupported(node, "extending by a list kiln does not track");
    for (const Value* e : *more) elems->push_back(snapshot(ctx, e));
  } else if (node->kind() == c10::aten::insert) {  // before idx, clamped as Python does
    if (!ctx.is_static(node->input(1))) unsupported(node, "inserting at a position chosen at run time");
    auto n = static_cast<int64_t>(elems->size());
    int64_t at = ctx.const_int(node->input(1));
    at = std::clamp(at < 0 ? at + n : at, int64_t{0}, n);
    elems->insert(elems->begin() + at, snapshot(ctx, node->input(2)));
  } else {
    elems->push_back(snapshot(ctx, node->input(1)));
  }
  ctx.record_list(list, *elems);
  make_static_if_possible(ctx, list);
  if (node->outputs().size() == 1) ctx.alias_value(node->output(), list);  // (append returns the list)
}


// aten::dim(x): the rank, known at export from the declared input ranks.
void dim(ExportContext& ctx, const Node* node, const Args&) {
  auto rank = ctx.rank_of(node->input(0));
  if (!rank) unsupported(node, "the tensor's rank is unknown at export time");
  ctx.set_known(node->output(), c10::IValue(*rank));
}

// aten::len(list or tensor)
void len(ExportContext& ctx, const Node* node, const Args&) {
  const Value* x = node->input(0);
  if (ctx.sequence_of(x)) {
    ctx.add_node("SequenceLength", {ctx.in(x)}, {ctx.out(node->output(), "len")});
    return;
  }
  if (auto elems = ctx.list_elements(x)) {
    ctx.set_known(node->output(), c10::IValue(static_cast<int64_t>(elems->size())));
    return;
  }
  if (auto* d = ctx.dict_of(x)) {
    ctx.set_known(node->output(), c10::IValue(static_cast<int64_t>(d->keys.size())));
    return;
  }
  if (!is_non_tensor(x) || ctx.is_bound(x)) {  // a tensor, or a list held as a 1-D tensor
    auto dims = ctx.dims_of(x);
    if (dims && !dims->empty() && (*dims)[0] >= 0) {
      ctx.set_known(node->output(), c10::IValue((*dims)[0]));
      return;
    }
    std::string shape = ctx.fresh("shape_of");
    ctx.add_node("Shape", {ctx.in(x)}, {shape});
    ctx.add_node("Gather", {shape, ctx.add_int64s({0}, "dim", true)},
                 {ctx.out(node->output(), "len")});
    return;
  }
  unsupported(node, "len() of a value kiln does not track");
}

// list[i], tuple[i], dict[key]
void getitem(ExportContext& ctx, const Node* node, const Args&) {
  const Value* c = node->input(0);
  const Value* idx = node->input(1);
  if (ctx.sequence_of(c)) {
    ctx.add_node("SequenceAt", {ctx.in(c), scalar_operand(ctx, idx, onnx::TensorProto_DataType_INT64)}, {ctx.out(node->output(), "item")});
    return;
  }
  if (auto* d = ctx.dict_of(c)) {
    if (!ctx.is_static(idx)) unsupported(node, "a dict key chosen at run time");
    auto key = dict_key(ctx.constant(idx));
    if (!key) unsupported(node, "dict keys other than strings, numbers and bools");
    for (size_t i = 0; i < d->keys.size(); ++i) {
      if (d->keys[i] == *key) return ctx.alias_value(node->output(), d->values[i]);
    }
    unsupported(node, fmt::format("key '{}' is not in the dict", *key));
  }
  if (auto elems = ctx.list_elements(c)) {
    if (ctx.is_static(idx)) {
      int64_t i = normalize_index(ctx.const_int(idx), static_cast<int64_t>(elems->size()));
      if (i < 0 || i >= static_cast<int64_t>(elems->size()))
        unsupported(node, "list index out of range");
      return ctx.alias_value(node->output(), (*elems)[static_cast<size_t>(i)]);
    }
    if (!is_non_tensor(node->output())) unsupported(node, "a list of tensors indexed at run time");
    std::string packed = pack_int_list(ctx, node, c);
    ctx.add_node("Gather", {packed, scalar_operand(ctx, idx, onnx::TensorProto_DataType_INT64)},
                 {ctx.out(node->output(), "getitem")});
    return;
  }
  if (ctx.is_bound(c)) {  // an int list held as a 1-D int64 tensor (a run-time shape)
    ctx.add_node("Gather", {ctx.in(c), scalar_operand(ctx, idx, onnx::TensorProto_DataType_INT64)},
                 {ctx.out(node->output(), "getitem")});
    return;
  }
  unsupported(node, "indexing a value kiln does not track");
}

void make_static_if_possible(ExportContext& ctx, const Value* list);

// prim::ListConstruct / TupleConstruct: the interpreter builds these itself (no registered
// operator to fold with), so a list of static elements is made static here.
void construct(ExportContext& ctx, const Node* node, const Args&) {
  std::vector<const Value*> elems;
  for (const Value* v : node->inputs()) elems.push_back(snapshot(ctx, v));
  ctx.record_list(node->output(), elems);
  make_static_if_possible(ctx, node->output());
}

void unpack(ExportContext& ctx, const Node* node, const Args&) {
  const Value* c = node->input(0);
  if (ctx.is_static(c)) {
    auto iv = ctx.constant(c);
    std::vector<c10::IValue> items =
        iv.isTuple() ? iv.toTupleRef().elements().vec() : iv.toListRef().vec();
    if (items.size() != node->outputs().size())
      unsupported(node, "unpacking a list of a different length");
    for (size_t i = 0; i < items.size(); ++i) ctx.set_known(node->output(i), items[i]);
    return;
  }
  if (auto elems = ctx.list_elements(c)) {
    if (elems->size() != node->outputs().size())
      unsupported(node, "unpacking a list of a different length");
    for (size_t i = 0; i < elems->size(); ++i) ctx.alias_value(node->output(i), (*elems)[i]);
    return;
  }
  if (ctx.is_bound(c)) {
    for (size_t i = 0; i < node->outputs().size(); ++i) {
      ctx.add_node("Gather", {ctx.in(c), ctx.add_int64s({static_cast<int64_t>(i)}, "index", true)},
                   {ctx.out(node->output(i), "item")});
    }
    return;
  }
  unsupported(node, "unpacking a value kiln does not track");
}

// list[start:end:step] on a list whose elements are tracked (`x.shape[:-3]`)
void list_slice(ExportContext& ctx, const Node* node, const Args&) {
  auto elems = ctx.list_elements(node->input(0));
  if (!elems) unsupported(node, "slicing a list kiln does not track");
  for (size_t i = 1; i < node->inputs().size(); ++i) {
    if (!ctx.is_static(node->input(i)))
      unsupported(node, "list slice bounds only known at run time");
  }
  auto n = static_cast<int64_t>(elems->size());
  int64_t step = ctx.const_int(node->input(3));
  if (step == 0) unsupported(node, "a list slice with step 0");
  // Python's bounds: negative ones count from the end; a negative step walks from the last
  // element down to before the first (`coords[::-1]`).
  auto bound = [&](const Value* v, int64_t fallback) {
    if (ctx.is_none(v)) return fallback;
    int64_t b = ctx.const_int(v);
    if (b < 0) b += n;
    return step > 0 ? std::clamp<int64_t>(b, 0, n) : std::clamp<int64_t>(b, -1, n - 1);
  };
  std::vector<const Value*> out;
  if (step > 0) {
    int64_t start = bound(node->input(1), 0), end = bound(node->input(2), n);
    for (int64_t i = start; i < end; i += step) out.push_back((*elems)[static_cast<size_t>(i)]);
  } else {
    int64_t start = bound(node->input(1), n - 1), end = bound(node->input(2), -1);
    for (int64_t i = start; i > end; i += step) out.push_back((*elems)[static_cast<size_t>(i)]);
  }
  ctx.record_list(node->output(), out);
  make_static_if_possible(ctx, node->output());
}

void tuple_index_dynamic(ExportContext& ctx, const Node* node);

void tuple_index(ExportContext& ctx, const Node* node, const Args&) {
  if (ctx.is_static(node->input(0)) && ctx.is_static(node->input(1))) {
    const c10::IValue tuple = ctx.constant(node->input(0));  // named: `items` refers into it
    const auto& items = tuple.toTupleRef().elements();
    int64_t i = normalize_index(ctx.const_int(node->input(1)), static_cast<int64_t>(items.size()));
    if (i < 0 || i >= static_cast<int64_t>(items.size()))
      unsupported(node, "tuple index out of range");
    return ctx.set_known(node->output(), items[static_cast<size_t>(i)]);
  }
  auto elems = ctx.list_elements(node->input(0));
  if (elems && !ctx.is_static(node->input(1))) return tuple_index_dynamic(ctx, node);
  if (!elems || !ctx.is_static(node->input(1)))
    unsupported(node, "indexing a tuple kiln does not track");
  int64_t i = normalize_index(ctx.const_int(node->input(1)), static_cast<int64_t>(elems->size()));
  if (i < 0 || i >= static_cast<int64_t>(elems->size()))
    unsupported(node, "tuple index out of range");
  ctx.alias_value(node->output(), (*elems)[static_cast<size_t>(i)]);
}

void dict_construct(ExportContext& ctx, const Node* node, const Args&) {
  auto& d = ctx.record_dict(node->output());
  d = {};
  for (size_t i = 0; i + 1 < node->inputs().size(); i += 2) {
    auto key = static_dict_key(ctx, node->input(i));
    if (!key) unsupported(node, "dict keys must be strings, numbers or bools known at export");
    d.keys.push_back(*key);
    d.values.push_back(node->input(i + 1));
  }
}

// d[key] = value on a dict built in the graph (`out = {}; out["logits"] = x`)
void dict_set_item(ExportContext& ctx, const Node* node, const Args&) {
  const Value* d = node->input(0);
  if (ctx.dict_of(d) == nullptr) {
    if (!ctx.is_static(d) || !ctx.constant(d).isGenericDict() ||
        !ctx.constant(d).toGenericDict().empty()) {
      unsupported(node, "setting an item of a dict kiln does not track");
    }
    ctx.record_dict(d);
    ctx.forget_static(d);  // what is read from it from here (keys(), values()) is the record's
  }
  auto static_key = static_dict_key(ctx, node->input(1));
  if (!static_key) unsupported(node, "dict keys must be strings, numbers or bools known at export");
  const std::string key = *static_key;
  const Value* value = snapshot(ctx, node->input(2));
  auto& rec = ctx.record_dict(d);
  auto at = std::find(rec.keys.begin(), rec.keys.end(), key);
  if (at != rec.keys.end()) {
    rec.values[static_cast<size_t>(at - rec.keys.begin())] = value;
  } else {
    rec.keys.push_back(key);
    rec.values.push_back(value);
  }
  // A dict read out of a list (`detections[i]["boxes"] = resize_boxes(...)`) holds a copy of
  // the element's record here: the element itself (which the list, and any value it came from,
  // read) takes the update.
  const Node* source = d->node();
  if (source->kind() == c10::aten::__getitem__ && ctx.is_static(source->input(1))) {
    if (auto elems = ctx.list_elements(source->input(0))) {
      int64_t i = normalize_index(ctx.const_int(source->input(1)), static_cast<int64_t>(elems->size()));
      if (i >= 0 && i < static_cast<int64_t>(elems->size())) {
        auto updated = rec;  // (a copy: it may be assigned twice)
        ctx.record_dict((*elems)[static_cast<size_t>(i)]) = updated;
        // and the dict the list was built from (`ds = [a, b]`: b is the same object as ds[1])
        const Node* built = source->input(0)->node();
        if (built->kind() == c10::prim::ListConstruct && static_cast<size_t>(i) < built->inputs().size() &&
            ctx.dict_of(built->input(static_cast<size_t>(i))) != nullptr) {
          ctx.record_dict(built->input(static_cast<size_t>(i))) = std::move(updated);
        }
      }
    }
  }
}

// The key a record's key string stands for (dict_key's inverse), for a dict of `dict_type`.
c10::IValue key_value(const Node* node, const std::string& key, const c10::TypePtr& dict_type) {
  auto d = dict_type->cast<c10::DictType>();
  if (d && d->getKeyType()->kind() == c10::TypeKind::StringType) return c10::IValue(key);
  if (d && d->getKeyType()->kind() == c10::TypeKind::IntType && key.rfind("int ", 0) == 0) return c10::IValue(static_cast<int64_t>(std::stoll(key.substr(4))));
  unsupported(node, "the keys of a dict whose keys are not strings or ints");
}

// d.keys() / d.values() / d.items() of a dict built in the graph (a backbone's feature dict that
// an FPN walks): the keys known at export, the values as they are, the pairs as tuples.
void dict_keys(ExportContext& ctx, const Node* node, const Args&) {
  const auto* d = ctx.dict_of(node->input(0));
  if (d == nullptr) unsupported(node, "the keys of a dict kiln does not track");
  auto elem = node->output()->type()->cast<c10::ListType>();
  c10::impl::GenericList keys(elem ? elem->getElementType() : c10::StringType::get());
  for (const auto& k : d->keys) keys.push_back(key_value(node, k, node->input(0)->type()));
  ctx.set_known(node->output(), c10::IValue(std::move(keys)));
}
void dict_values(ExportContext& ctx, const Node* node, const Args&) {
  const auto* d = ctx.dict_of(node->input(0));
  if (d == nullptr) unsupported(node, "the values of a dict kiln does not track");
  ctx.record_list(node->output(), d->values);
}
void dict_items(ExportContext& ctx, const Node* node, const Args&) {
  const auto* d = ctx.dict_of(node->input(0));
  if (d == nullptr) unsupported(node, "the items of a dict kiln does not track");
  auto list = node->output()->type()->cast<c10::ListType>();
  auto tuple = list ? list->getElementType()->cast<c10::TupleType>() : nullptr;
  if (!tuple || tuple->elements().size() != 2) unsupported(node, "items() that are not (key, value) pairs");
  std::vector<const Value*> pairs;
  for (size_t i = 0; i < d->keys.size(); ++i) {
    const Value* pair = ctx.mint(std::string(), tuple);
    ctx.record_list(pair, {ctx.mint_static(key_value(node, d->keys[i], node->input(0)->type()), tuple->elements()[0]), d->values[i]});
    pairs.push_back(pair);
  }
  ctx.record_list(node->output(), std::move(pairs));
}
// dict() / dict(other) / dict([(k, v), ...]) (an OrderedDict of zipped names and results).
void dict_from(ExportContext& ctx, const Node* node, const Args&) {
  auto& rec = ctx.record_dict(node->output());
  rec = {};
  if (node->inputs().empty()) return;
  if (const auto* other = ctx.dict_of(node->input(0))) {
    rec = *other;
    return;
  }
  auto pairs = ctx.list_elements(node->input(0));
  if (!pairs) unsupported(node, "a dict from a list kiln does not track");
  for (const Value* p : *pairs) {
    auto kv = ctx.list_elements(p);
    if (!kv || kv->size() != 2) unsupported(node, "a dict from items that are not (key, value) pairs kiln tracks");
    auto key = static_dict_key(ctx, (*kv)[0]);
    if (!key) unsupported(node, "dict keys must be strings, numbers or bools known at export");
    rec.keys.push_back(*key);
    rec.values.push_back((*kv)[1]);
  }
}

// aten::Int / Float / Bool / ScalarImplicit of a run-time tensor: a 0-d tensor of that type.
void tensor_to_scalar(ExportContext& ctx, const Node* node, const Args&) {
  auto want = scalar_onnx_type(node->output());
  std::string x = ctx.in(node->input(0));
  auto dims = ctx.dims_of(node->input(0));
  if (!dims || !dims->empty()) {
    std::string r = ctx.fresh("scalar");
    ctx.add_node("Reshape", {x, ctx.add_int64s(std::vector<int64_t>{}, "scalar_shape")}, {r});
    x = r;
  }
  auto have = ctx.elem_type_of(x);
  if (!want || (have && *have == *want)) return ctx.bind(node->output(), x);
  auto& n = ctx.add_node("Cast", {x}, {ctx.out(node->output(), "to_scalar")});
  set_attr(n, "to", static_cast<int64_t>(*want));
}

// Arithmetic on scalars (at least one dynamic): in the output's type (int64, float or bool).
void scalar_binary(ExportContext& ctx, const Node* node, const char* op) {
  auto type = scalar_onnx_type(node->output()).value_or(onnx::TensorProto_DataType_INT64);
  std::string a = scalar_operand(ctx, node->input(0), type),
              b = scalar_operand(ctx, node->input(1), type);
  ctx.add_node(op, {a, b}, {ctx.out(node->output(), op)});
}
void s_add(ExportContext& c, const Node* n, const Args&) {
  scalar_binary(c, n, "Add");
}
void s_sub(ExportContext& c, const Node* n, const Args&) {
  scalar_binary(c, n, "Sub");
}
void s_mul(ExportContext& c, const Node* n, const Args&) {
  scalar_binary(c, n, "Mul");
}
void s_div(ExportContext& c, const Node* n, const Args&) {
  scalar_binary(c, n, "Div");
}  // int / int → float output type
void s_min(ExportContext& c, const Node* n, const Args&) {
  if (n->inputs().size() != 2) unsupported(n, "min/max of a list");
  scalar_binary(c, n, "Min");
}
void s_max(ExportContext& c, const Node* n, const Args&) {
  if (n->inputs().size() != 2) unsupported(n, "min/max of a list");
  scalar_binary(c, n, "Max");
}

// a // b and a % b with Python's floor semantics (ONNX Div on ints truncates toward zero).
void s_floordiv(ExportContext& ctx, const Node* node, const Args&) {
  auto type = scalar_onnx_type(node->output()).value_or(onnx::TensorProto_DataType_INT64);
  std::string a = scalar_operand(ctx, node->input(0), type),
              b = scalar_operand(ctx, node->input(1), type);
  ctx.bind(node->output(), floor_divide(ctx, a, b, type, ctx.fresh("floordiv")));
}
void s_remainder(ExportContext& ctx, const Node* node, const Args&) {
  auto type = scalar_onnx_type(node->output()).value_or(onnx::TensorProto_DataType_INT64);
  std::string a = scalar_operand(ctx, node->input(0), type),
              b = scalar_operand(ctx, node->input(1), type);
  ctx.bind(node->output(), floor_remainder(ctx, a, b, type, ctx.fresh("remainder")));
}

void s_neg(ExportContext& ctx, const Node* node, const Args&) {
  auto type = scalar_onnx_type(node->output()).value_or(onnx::TensorProto_DataType_INT64);
  ctx.add_node("Neg", {scalar_operand(ctx, node->input(0), type)},
               {ctx.out(node->output(), "Neg")});
}

std::optional<bool> lists_equal(ExportContext& ctx, const Value* a, const Value* b);


// l1 == l2 on lists with run-time elements: equal lengths (known at export) and every element
// equal — Equal on the packed elements, then all of them.
void run_time_list_equal(ExportContext& ctx, const Node* node, bool negate) {
  auto a = elements_of(ctx, node->input(0)), b = elements_of(ctx, node->input(1));
  if (!a || !b) unsupported(node, "comparing lists kiln does not track");
  if (a->size() != b->size()) return ctx.set_known(node->output(), c10::IValue(negate));
  if (a->empty()) return ctx.set_known(node->output(), c10::IValue(!negate));
  auto type = onnx::TensorProto_DataType_INT64;
  for (const auto* l : {&*a, &*b})
    for (const Value* e : *l) {
      auto t = scalar_onnx_type(e);
      if (t && *t == onnx::TensorProto_DataType_FLOAT) type = onnx::TensorProto_DataType_FLOAT;
    }
  auto pack = [&](const std::vector<const Value*>& elems) {
    std::vector<std::string> parts;
    for (const Value* e : elems) parts.push_back(emit_unsqueeze(ctx, scalar_operand(ctx, e, type), {0}));
    if (parts.size() == 1) return parts[0];
    auto& c = ctx.add_node("Concat", parts, {ctx.fresh("list")});
    set_attr(c, "axis", int64_t{0});
    return c.output(0);
  };
  std::string eq = emit(ctx, "Equal", {pack(*a), pack(*b)}, "equal");
  std::string all = emit_reduce(ctx, "ReduceMin", emit_cast(ctx, eq, onnx::TensorProto_DataType_INT32), {0}, false);
  std::string r = emit_cast(ctx, all, onnx::TensorProto_DataType_BOOL);
  if (negate) r = emit(ctx, "Not", {r}, "not_equal");
  ctx.bind(node->output(), r);
}

// Comparisons in the wider of the operands' types; the result is a 0-d bool.
void scalar_compare(ExportContext& ctx, const Node* node, const char* op, bool negate = false) {
  if (node->input(0)->type()->kind() == c10::TypeKind::ListType) {
    if (std::string(op) != "Equal") unsupported(node, "ordering of lists");
    auto eq = lists_equal(ctx, node->input(0), node->input(1));
    if (eq) {
      ctx.set_known(node->output(), c10::IValue(negate ? !*eq : *eq));
      return;
    }
    return run_time_list_equal(ctx, node, negate);
  }
  auto ta = scalar_onnx_type(node->input(0)).value_or(onnx::TensorProto_DataType_INT64);
  auto tb = scalar_onnx_type(node->input(1)).value_or(onnx::TensorProto_DataType_INT64);
  auto type = (ta == onnx::TensorProto_DataType_FLOAT || tb == onnx::TensorProto_DataType_FLOAT)
                  ? onnx::TensorProto_DataType_FLOAT
                  : ta;
  std::string a = scalar_operand(ctx, node->input(0), type),
              b = scalar_operand(ctx, node->input(1), type);
  if (!negate) {
    ctx.add_node(op, {a, b}, {ctx.out(node->output(), op)});
    return;
  }
  std::string r = ctx.fresh(op);
  ctx.add_node(op, {a, b}, {r});
  ctx.add_node("Not", {r}, {ctx.out(node->output(), "Not")});
}
void s_eq(ExportContext& c, const Node* n, const Args&) {
  scalar_compare(c, n, "Equal");
}
void s_ne(ExportContext& c, const Node* n, const Args&) {
  scalar_compare(c, n, "Equal", true);
}
void s_lt(ExportContext& c, const Node* n, const Args&) {
  scalar_compare(c, n, "Less");
}
void s_gt(ExportContext& c, const Node* n, const Args&) {
  scalar_compare(c, n, "Greater");
}
void s_le(ExportContext& c, const Node* n, const Args&) {
  scalar_compare(c, n, "LessOrEqual");
}
void s_ge(ExportContext& c, const Node* n, const Args&) {
  scalar_compare(c, n, "GreaterOrEqual");
}

void s_not(ExportContext& ctx, const Node* node, const Args&) {
  ctx.add_node("Not", {scalar_operand(ctx, node->input(0), onnx::TensorProto_DataType_BOOL)},
               {ctx.out(node->output(), "Not")});
}

// The value of an Optional known to hold one: OptionalGetElement when it is decided at run time.
void unchecked_cast(ExportContext& ctx, const Node* node, const Args&) {
  if (ctx.optional_of(node->input(0))) {
    std::string out = ctx.out(node->output(), "value");
    ctx.add_node("OptionalGetElement", {ctx.in(node->input(0))}, {out});
    // The element's type and rank as the value branch had them (ONNX's optional types carry no
    // shape, and inside a branch the optional itself is untyped): Emformer's padding mask, None
    // at batch 1, then unsqueezed.
    if (auto rank = ctx.optional_rank(node->input(0))) hint_rank(ctx, out, *rank, ctx.optional_of(node->input(0)));
    return;
  }
  alias(ctx, node);
}

// x is None / x is not None: static from the types once freezing has resolved Optionals.
void is_op(ExportContext& ctx, const Node* node, bool negate) {
  auto none_state = [&](const Value* v) -> std::optional<bool> {  // true: None, false: not None
    if (v->type()->kind() == c10::TypeKind::NoneType) return true;
    if (ctx.is_static(v)) return ctx.constant(v).isNone();
    if (v->type()->kind() != c10::TypeKind::OptionalType) return false;
    if (ctx.is_bound(v) || ctx.list_elements(v) || ctx.dict_of(v)) return false;
    return std::nullopt;
  };
  const Value *x = node->input(0), *y = node->input(1);
  if (x == y || (ctx.is_bound(x) && ctx.is_bound(y) && ctx.in(x) == ctx.in(y))) {
    ctx.set_known(node->output(), c10::IValue(!negate));  // the same object
    return;
  }
  // `opt is None` on an Optional decided at run time: OptionalHasElement
  for (const Value* v : {x, y}) {
    const Value* other = v == x ? y : x;
    if (ctx.optional_of(v) && none_state(other).value_or(false)) {
      std::string has = emit(ctx, "OptionalHasElement", {ctx.in(v)}, "has_value");
      ctx.bind(node->output(), negate ? has : emit(ctx, "Not", {has}, "is_none"));
      return;
    }
  }
  auto a = none_state(x), b = none_state(y);
  if (!a || !b) unsupported(node, "an Optional whose None-ness is only known at run time");
  // Two values that are not None and not the same value: different objects (for the checks this
  // serves, `query is key` in attention, either answer computes the same numbers).
  bool same = *a && *b;
  ctx.set_known(node->output(), c10::IValue(negate ? !same : same));
}
void is(ExportContext& c, const Node* n, const Args&) {
  is_op(c, n, false);
}
void isnot(ExportContext& c, const Node* n, const Args&) {
  is_op(c, n, true);
}

// str.format with static arguments (assertion messages): "{}" replaced in order, as Python does
// for plain placeholders. A message with a run-time argument is never shown by ONNX anyway.
void format(ExportContext& ctx, const Node* node, const Args&) {
  std::string text =
      ctx.is_static(node->input(0)) ? ctx.constant(node->input(0)).toStringRef() : std::string();
  std::string out;
  size_t arg = 1, pos = 0;
  while (pos < text.size()) {
    auto at = text.find("{}", pos);
    if (at == std::string::npos) {
      out += text.substr(pos);
      break;
    }
    out += text.substr(pos, at - pos);
    if (arg < node->inputs().size()) {
      const Value* v = node->input(arg++);
      if (ctx.is_static(v)) {
        std::ostringstream ss;
        ss << ctx.constant(v);
        out += ss.str();
      } else {
        out += "<run-time value>";
      }
    }
    pos = at + 2;
  }
  ctx.set_known(node->output(), c10::IValue(out));
}

// Comparing int lists (`hx.size() != expected`): equal element by element when both are static
// and equal, or both dynamic with the same symbol; a static difference decides too.
std::optional<bool> lists_equal(ExportContext& ctx, const Value* a, const Value* b) {
  auto elements = [&](const Value* v) -> std::optional<std::vector<const Value*>> {
    if (auto e = ctx.list_elements(v)) return e;
    if (!ctx.is_static(v) || !ctx.constant(v).isIntList()) return std::nullopt;
    std::vector<const Value*> out;
    for (auto x : ctx.const_ints(v))
      out.push_back(ctx.mint_static(c10::IValue(x), c10::IntType::get()));
    return out;
  };
  auto ea = elements(a), eb = elements(b);
  if (!ea || !eb) return std::nullopt;
  if (ea->size() != eb->size()) return false;
  bool all_equal = true;
  for (size_t i = 0; i < ea->size(); ++i) {
    const Value *x = (*ea)[i], *y = (*eb)[i];
    if (ctx.is_static(x) && ctx.is_static(y)) {
      if (ctx.const_int(x) != ctx.const_int(y)) return false;
    } else if (!ctx.is_static(x) && !ctx.is_static(y) && ctx.is_bound(x) && ctx.is_bound(y) &&
               ctx.in(x) == ctx.in(y)) {
      continue;  // the same run-time value
    } else if (ctx.is_static(x) || ctx.is_static(y) || ctx.symbol_of(x).empty() ||
               ctx.symbol_of(x) != ctx.symbol_of(y)) {
      all_equal = false;
    }
  }
  if (all_equal) return true;
  return std::nullopt;
}

void nothing(ExportContext&, const Node*, const Args&) {}
void known_false(ExportContext& ctx, const Node* node, const Args&) {
  ctx.set_known(node->output(), c10::IValue(false));
}
void uninitialized(ExportContext& ctx, const Node* node, const Args&) {
  ctx.set_known(node->output(), c10::IValue());
}

void raise(ExportContext&, const Node* node, const Args&) {
  unsupported(node, "the model raises an exception on the example input's path");
}

// isinstance(x, types): decided by the value's TorchScript type (refined by what kiln knows: a
// static value's own type, a tracked list).
void isinstance(ExportContext& ctx, const Node* node, const Args&) {
  const Value* v = node->input(0);
  c10::TypePtr type = v->type();
  if (ctx.is_static(v) && !ctx.is_none(v)) type = ctx.constant(v).type();
  if (ctx.is_none(v)) type = c10::NoneType::get();
  bool yes = false;
  for (const auto& t : node->tys(c10::attr::types)) {
    if (type->isSubtypeOf(*t)) yes = true;
    // `list` and `tuple` in isinstance stand for any list / tuple
    if (t->kind() == c10::TypeKind::ListType && type->kind() == c10::TypeKind::ListType) yes = true;
    if (t->kind() == c10::TypeKind::TupleType && type->kind() == c10::TypeKind::TupleType) yes = true;
  }
  if (!yes && (type->kind() == c10::TypeKind::OptionalType || type->kind() == c10::TypeKind::UnionType ||
               type->kind() == c10::TypeKind::AnyType)) {
    unsupported(node, fmt::format("isinstance of a {} decided only at run time", type->str()));
  }
  ctx.set_known(node->output(), c10::IValue(yes));
}

// a << b = a · 2^b; a >> b = floor(a / 2^b) (ints)
void s_shift(ExportContext& ctx, const Node* node, bool left) {
  std::string a = scalar_operand(ctx, node->input(0), onnx::TensorProto_DataType_INT64);
  std::string b = scalar_operand(ctx, node->input(1), onnx::TensorProto_DataType_INT64);
  std::string p = emit(ctx, "Pow", {ctx.add_int64s({2}, "two", true), b}, "pow2");
  if (left) {
    ctx.add_node("Mul", {a, p}, {ctx.out(node->output(), "lshift")});
    return;
  }
  ctx.bind(node->output(), floor_divide(ctx, a, p, onnx::TensorProto_DataType_INT64, ctx.fresh("rshift")));
}
void s_lshift(ExportContext& c, const Node* n, const Args&) { s_shift(c, n, true); }
void s_rshift(ExportContext& c, const Node* n, const Args&) { s_shift(c, n, false); }

// a & b, a | b, a ^ b on ints (BitwiseAnd/Or/Xor, opset 18) or bools (And/Or/Xor)
Converter s_bitwise(const char* bool_op, const char* int_op) {
  return [bool_op, int_op](ExportContext& ctx, const Node* node, const Args&) {
    auto t = scalar_onnx_type(node->output()).value_or(onnx::TensorProto_DataType_INT64);
    bool is_bool = t == onnx::TensorProto_DataType_BOOL;
    if (!is_bool && ctx.opset() < 18) unsupported(node, std::string(int_op) + " on ints needs opset 18");
    std::string a = scalar_operand(ctx, node->input(0), t), b = scalar_operand(ctx, node->input(1), t);
    ctx.add_node(is_bool ? bool_op : int_op, {a, b}, {ctx.out(node->output(), "bitwise")});
  };
}

// list * n (aten::mul.left_t) and n * list: the elements repeated n times (n known at export)
void list_repeat(ExportContext& ctx, const Node* node, const Args&) {
  bool list_first = node->input(0)->type()->kind() == c10::TypeKind::ListType;
  const Value* l = node->input(list_first ? 0 : 1);
  const Value* n = node->input(list_first ? 1 : 0);
  auto elems = elements_of(ctx, l);
  if (!elems || !ctx.is_static(n)) unsupported(node, "repeating a list kiln does not track, or a run-time number of times");
  std::vector<const Value*> out;
  for (int64_t k = 0; k < ctx.const_int(n); ++k) out.insert(out.end(), elems->begin(), elems->end());
  ctx.record_list(node->output(), std::move(out));
  make_static_if_possible(ctx, node->output());
}

// l[i] = v on a tracked list (`s = list(x.size()); s[1] = -1`): that element replaced
void list_set_item(ExportContext& ctx, const Node* node, const Args&) {
  const Value* l = node->input(0);
  auto elems = elements_of(ctx, l);
  if (!elems || !ctx.is_static(node->input(1))) unsupported(node, "setting an element of a list kiln does not track");
  int64_t i = normalize_index(ctx.const_int(node->input(1)), static_cast<int64_t>(elems->size()));
  if (i < 0 || i >= static_cast<int64_t>(elems->size())) unsupported(node, "list index out of range");
  (*elems)[static_cast<size_t>(i)] = snapshot(ctx, node->input(2));
  ctx.forget_static(l);
  ctx.record_list(l, *elems);
  make_static_if_possible(ctx, l);
  ctx.alias_value(node->output(), l);
}

// min(l) / max(l) / sum(l) of an int or float list with run-time elements
// A list's numbers and bools as one 1-D tensor of `type`.
std::string pack_scalars(ExportContext& ctx, const std::vector<const Value*>& elems, int32_t type) {
  std::vector<std::string> parts;
  for (const Value* e : elems) parts.push_back(emit_unsqueeze(ctx, scalar_operand(ctx, e, static_cast<onnx::TensorProto_DataType>(type)), {0}));
  if (parts.size() == 1) return parts[0];
  auto& c = ctx.add_node("Concat", parts, {ctx.fresh("list")});
  set_attr(c, "axis", int64_t{0});
  return c.output(0);
}

Converter list_reduce(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args&) {
    auto elems = elements_of(ctx, node->input(0));
    if (!elems || elems->empty()) unsupported(node, "reducing a list kiln does not track (or an empty one)");
    auto type = scalar_onnx_type(node->output()).value_or(onnx::TensorProto_DataType_INT64);
    if (type == onnx::TensorProto_DataType_BOOL) type = onnx::TensorProto_DataType_INT64;
    emit_reduce(ctx, op, pack_scalars(ctx, *elems, type), {0}, false, ctx.out(node->output(), "list_reduce"));
  };
}

// any(list) / all(list) of run-time values (`any(s < m for s in x.shape[-2:])`, a generator
// TorchScript builds as a list): nonzero elements as int64, ReduceMax / ReduceMin, as a bool.
Converter list_any_all(bool all) {
  return [all](ExportContext& ctx, const Node* node, const Args&) {
    auto elems = elements_of(ctx, node->input(0));
    if (!elems) unsupported(node, "a list kiln does not track");
    if (elems->empty()) return ctx.set_known(node->output(), c10::IValue(all));
    std::string packed = pack_scalars(ctx, *elems, onnx::TensorProto_DataType_INT64);
    std::string nonzero = emit_cast(ctx, emit_cast(ctx, packed, onnx::TensorProto_DataType_BOOL), onnx::TensorProto_DataType_INT64);
    std::string r = emit_reduce(ctx, all ? "ReduceMin" : "ReduceMax", nonzero, {0}, false);
    ctx.bind(node->output(), emit_cast(ctx, r, onnx::TensorProto_DataType_BOOL));
  };
}

// The value a dict record's key stands for (dict_key's inverse for numbers and bools).
c10::IValue key_value(const std::string& key) {
  if (key.rfind("int ", 0) == 0) return c10::IValue(static_cast<int64_t>(std::stoll(key.substr(4))));
  if (key.rfind("float ", 0) == 0) return c10::IValue(std::stod(key.substr(6)));
  if (key == "bool True" || key == "bool False") return c10::IValue(key == "bool True");
  return c10::IValue(key);
}

// key in dict (a tracked dict's keys) / item in list (a list known at export): known when the
// item is; a number or bool computed at run time is compared with each candidate (Or of Equal).
void contains(ExportContext& ctx, const Node* node, const Args&) {
  const Value* item = node->input(1);
  std::vector<c10::IValue> candidates;
  if (const auto* d = ctx.dict_of(node->input(0))) {
    if (auto key = static_dict_key(ctx, item)) {
      bool found = std::find(d->keys.begin(), d->keys.end(), *key) != d->keys.end();
      return ctx.set_known(node->output(), c10::IValue(found));
    }
    for (const auto& k : d->keys) candidates.push_back(key_value(k));
  } else if (ctx.is_static(node->input(0)) && ctx.constant(node->input(0)).isList()) {
    const c10::IValue list = ctx.constant(node->input(0));
    for (const auto& e : list.toListRef()) candidates.push_back(e);
  } else {
    unsupported(node, "kiln converts `in` only on dicts it tracks and on lists known at export");
  }
  if (ctx.is_static(item)) {
    const c10::IValue v = ctx.constant(item);
    bool found = std::any_of(candidates.begin(), candidates.end(), [&](const c10::IValue& c) { return c == v; });
    return ctx.set_known(node->output(), c10::IValue(found));
  }
  const auto kind = item->type()->kind();
  if (kind != c10::TypeKind::IntType && kind != c10::TypeKind::FloatType && kind != c10::TypeKind::BoolType)
    unsupported(node, "a run-time item that is not a number or bool");
  const auto type = kind == c10::TypeKind::IntType ? onnx::TensorProto_DataType_INT64
                    : kind == c10::TypeKind::BoolType ? onnx::TensorProto_DataType_BOOL
                                                      : onnx::TensorProto_DataType_DOUBLE;
  std::string x = scalar_operand(ctx, item, type);
  std::string any;
  for (const auto& c : candidates) {
    if (!(c.isInt() || c.isDouble() || c.isBool())) continue;  // a string never equals a number
    const double value = c.isInt() ? static_cast<double>(c.toInt()) : c.isBool() ? (c.toBool() ? 1.0 : 0.0) : c.toDouble();
    std::string eq = emit(ctx, "Equal", {x, constant_like(ctx, value, x, "candidate")}, "is_candidate");
    any = any.empty() ? eq : emit(ctx, "Or", {any, eq}, "any_candidate");
  }
  if (any.empty()) return ctx.set_known(node->output(), c10::IValue(false));
  ctx.bind(node->output(), any);
}

// t[i] with i chosen at run time on a tuple of tensors: SequenceConstruct + SequenceAt
void tuple_index_dynamic(ExportContext& ctx, const Node* node) {
  auto elems = ctx.list_elements(node->input(0));
  if (!elems || elems->empty()) unsupported(node, "indexing a tuple kiln does not track");
  std::vector<std::string> parts;
  std::optional<int32_t> type;
  for (const Value* e : *elems) {
    if (is_non_tensor(e)) unsupported(node, "a tuple of non-tensors indexed at run time");
    auto t = value_type(ctx, e);
    if (!type) type = t;
    parts.push_back(t && type && *t != *type ? emit_cast(ctx, ctx.in(e), *type) : ctx.in(e));
  }
  std::string seq = emit(ctx, "SequenceConstruct", parts, "tuple");
  std::string n = ctx.add_int64s({static_cast<int64_t>(elems->size())}, "length", true);
  std::string idx = scalar_operand(ctx, node->input(1), onnx::TensorProto_DataType_INT64);
  idx = floor_remainder(ctx, idx, n, onnx::TensorProto_DataType_INT64, ctx.fresh("index"));  // negative indices wrap
  ctx.add_node("SequenceAt", {seq, idx}, {ctx.out(node->output(), "item")});
}

// x.tolist() (prim::tolist(x, dims, elem_type)): a static tensor folds; a run-time one has no list form
// x.tolist() of a run-time tensor: the (nested) list is held as the tensor itself, which indexing,
// len() and torch.tensor(list) read.
void tolist(ExportContext& ctx, const Node* node, const Args&) {
  ctx.bind(node->output(), ctx.in(node->input(0)));
}

// obj.attr on a module object known at export (self and its submodules: what freezing kept, e.g.
// parameters a fast-path check reads): the attribute's value, static.
// prim::SetAttr(module, value) in forward (`self.corr_pyramid = pyramid` in RAFT's CorrBlock):
// the value is what later GetAttrs of that attribute read. Only where it happens unconditionally:
// a write inside an If or Loop body would hold on one path only.
void set_attr_node(ExportContext& ctx, const Node* node, const Args&) {
  const Value* obj = node->input(0);
  if (!ctx.is_static(obj) || !ctx.constant(obj).isObject()) unsupported(node, "an attribute of an object kiln does not know at export");
  // (an object made in the same block is written on every path that reads it)
  if (node->owningBlock() != node->owningGraph()->block() && obj->node()->owningBlock() != node->owningBlock())
    unsupported(node, "an attribute written inside an If or Loop");
  ctx.record_attribute(ctx.constant(obj).toObject().get(), node->s(c10::attr::name), snapshot(ctx, node->input(1)));
}

void get_attr(ExportContext& ctx, const Node* node, const Args&) {
  const Value* obj = node->input(0);
  if (!ctx.is_static(obj) || !ctx.constant(obj).isObject()) unsupported(node, "an attribute of an object kiln does not know at export");
  auto o = ctx.constant(obj).toObject();
  const std::string& name = node->s(c10::attr::name);
  if (const Value* written = ctx.written_attribute(o.get(), name)) {
    ctx.alias_value(node->output(), written);
    // What is done to this value from here (`self.pyramid.append(level)`) is the attribute's
    // value for the next GetAttr.
    ctx.record_attribute(o.get(), name, node->output());
    return;
  }
  auto slot = o->type()->findAttributeSlot(name);
  if (!slot) unsupported(node, fmt::format("the object has no attribute '{}'", name));
  ctx.set_known(node->output(), o->getSlot(*slot));
}

// prim::CreateObject (a TorchScript class built in forward, torchvision's ImageList): an object
// known at export, with no attribute set; the constructor's SetAttrs write them and later GetAttrs
// read what was written. Nothing in the ONNX graph.
void create_object(ExportContext& ctx, const Node* node, const Args&) {
  auto type = node->output()->type()->cast<c10::ClassType>();
  if (!type || !type->compilation_unit()) unsupported(node, "an object that is not of a TorchScript class");
  auto obj = c10::ivalue::Object::create(c10::StrongTypePtr(type->compilation_unit(), type), type->numAttributes());
  ctx.set_known(node->output(), c10::IValue(std::move(obj)));
}

// list(l): a copy with the same elements (or the same run-time shape tensor / sequence).
void list_copy(ExportContext& ctx, const Node* node, const Args&) {
  const Value* l = node->input(0);
  if (auto elems = ctx.list_elements(l)) {
    ctx.record_list(node->output(), *elems);
    make_static_if_possible(ctx, node->output());
    return;
  }
  if (ctx.is_bound(l)) return ctx.alias_value(node->output(), l);
  unsupported(node, "copying a list kiln does not track");
}

// list + list (aten::add.t): the elements of both, in order.
// _infer_size(a, b): the broadcast of two sizes (aligned from the right, the larger of each
// pair; a dim of 1 broadcasts). Elements known at export stay known.
void infer_size(ExportContext& ctx, const Node* node, const Args&) {
  auto elements = [&](const Value* v) -> std::vector<const Value*> {
    if (auto e = ctx.list_elements(v)) return *e;
    if (ctx.is_static(v)) {
      std::vector<const Value*> out;
      for (int64_t d : ctx.const_ints(v)) out.push_back(ctx.mint_static(c10::IValue(d), c10::IntType::get()));
      return out;
    }
    unsupported(node, "sizes kiln does not track");
  };
  auto a = elements(node->input(0)), b = elements(node->input(1));
  if (a.size() < b.size()) std::swap(a, b);
  std::vector<const Value*> out(a.begin(), a.end());
  const size_t offset = a.size() - b.size();
  for (size_t i = 0; i < b.size(); ++i) {
    const Value *x = a[offset + i], *y = b[i];
    if (ctx.is_static(x) && ctx.is_static(y)) {
      int64_t p = ctx.const_int(x), q = ctx.const_int(y);
      if (p != q && p != 1 && q != 1) unsupported(node, fmt::format("sizes {} and {} do not broadcast", p, q));
      out[offset + i] = ctx.mint_static(c10::IValue(p == 1 ? q : p), c10::IntType::get());
    } else if (ctx.is_static(x) && ctx.const_int(x) == 1) {
      out[offset + i] = y;
    } else if (!(ctx.is_static(y) && ctx.const_int(y) == 1)) {
      out[offset + i] = ctx.mint(emit(ctx, "Max", {ctx.in(x), ctx.in(y)}, "broadcast_dim"), c10::IntType::get());
    }
  }
  ctx.record_list(node->output(), std::move(out));
  make_static_if_possible(ctx, node->output());
}

void list_concat(ExportContext& ctx, const Node* node, const Args&) {
  auto elements = [&](const Value* v) -> std::optional<std::vector<const Value*>> {
    if (auto e = ctx.list_elements(v)) return e;
    if (!ctx.is_static(v) || !ctx.constant(v).isList()) return std::nullopt;
    std::vector<const Value*> out;
    auto lt = v->type()->cast<c10::ListType>();
    const c10::IValue list = ctx.constant(v);  // named: the loop reads into it
    for (const auto& iv : list.toListRef()) out.push_back(ctx.mint_static(iv, lt ? lt->getElementType() : c10::AnyType::get()));
    return out;
  };
  auto a = elements(node->input(0)), b = elements(node->input(1));
  if (a && b) {
    std::vector<const Value*> all = *a;
    all.insert(all.end(), b->begin(), b->end());
    ctx.record_list(node->output(), std::move(all));
    make_static_if_possible(ctx, node->output());
    return;
  }
  // An int list held as a run-time shape on either side: both packed and concatenated.
  auto lt = node->output()->type()->cast<c10::ListType>();
  if (!lt || lt->getElementType()->kind() != c10::TypeKind::IntType) unsupported(node, "concatenating lists kiln does not track");
  auto& c = ctx.add_node("Concat", {pack_int_list(ctx, node, node->input(0)), pack_int_list(ctx, node, node->input(1))},
                         {ctx.out(node->output(), "list")});
  set_attr(c, "axis", int64_t{0});
}

}  // namespace

void register_scalar_ops(OpRegistry& r) {
  const OpOptions scalar{.world = OpWorld::Scalar};
  r.add("aten::size", "v", size, "nothing (static dims) or Shape (+ Gather per dynamic dim)", scalar);
  r.add("aten::size.int", "v any", size, "nothing (static dim) or Shape + Gather", scalar);
  r.add("aten::dim", "v", dim, "nothing (the rank is static)", scalar);
  r.add("aten::append.t", "any any", append, "nothing (the list's elements are tracked)", scalar);
  r.add("aten::insert.t", "any any any", append, "nothing (the list's elements are tracked)", scalar);
  r.add("aten::extend.t", "any any", append, "nothing (the list's elements are tracked)", scalar);
  r.add("aten::len.t|aten::len.Tensor|aten::len.any|aten::len", "any", len, "nothing (static) or Shape + Gather", scalar);
  r.add("aten::__getitem__.t|aten::__getitem__.str", "any any", getitem,
        "nothing (static index into a list, tuple or dict) or Gather", scalar);
  r.add("aten::__getitem__", "any any", getitem, "nothing (static index into a list, tuple or dict) or Gather", scalar);
  r.add("prim::ListConstruct", "...", construct, "nothing (elements tracked; Concat where a tensor op needs it)", scalar);
  r.add("prim::TupleConstruct", "...", construct, "nothing (elements tracked)", scalar);
  r.add("prim::ListUnpack", "any", unpack, "nothing, or Gather from a run-time shape", scalar);
  r.add("prim::TupleUnpack", "any", unpack, "nothing", scalar);
  r.add("prim::TupleIndex", "any any", tuple_index, "nothing", scalar);
  r.add("aten::slice.t", "any any any any", list_slice, "nothing (a slice of a tracked list)", scalar);
  r.add("aten::add.t", "any any", list_concat, "nothing (the elements of both lists)", scalar);
  r.add("aten::_infer_size", "any any", infer_size, "Max of each aligned pair of sizes (nothing when known)", scalar);
  r.add("prim::DictConstruct", "...", dict_construct, "nothing (keys become output names)", scalar);
  r.add("aten::_set_item.str", "any any any", dict_set_item, "nothing (keys become output names)", scalar);
  r.add("aten::Int|aten::Float|aten::Bool|aten::ScalarImplicit|aten::IntImplicit|aten::FloatImplicit|aten::item", "any",
        tensor_to_scalar, "nothing or Reshape/Cast to a 0-d tensor", scalar);
  const char* arith = "aten::{0}.int|aten::{0}.float|aten::{0}.int_float|aten::{0}.float_int|aten::{0}";
  r.add(fmt::format(fmt::runtime(arith), "add"), "any any", s_add, "Add (int64/float 0-d)", scalar);
  r.add(fmt::format(fmt::runtime(arith), "sub"), "any any", s_sub, "Sub (int64/float 0-d)", scalar);
  r.add(fmt::format(fmt::runtime(arith), "mul"), "any any", s_mul, "Mul (int64/float 0-d)", scalar);
  r.add("aten::div.int|aten::div.float|aten::div", "any any", s_div, "Div (float 0-d)", scalar);
  r.add(fmt::format(fmt::runtime(arith), "floordiv"), "any any", s_floordiv, "Div(Sub(a, Mod(a, b)), b) (floor semantics)", scalar);
  r.add(fmt::format(fmt::runtime(arith), "remainder"), "any any", s_remainder, "Mod (Python sign)", scalar);
  r.add("aten::neg.int|aten::neg.float|aten::neg.Scalar|aten::neg", "any", s_neg, "Neg", scalar);
  r.add("prim::min.int|prim::min.float|prim::min.int_float|prim::min.float_int|prim::min", "any any", s_min, "Min", scalar);
  r.add("prim::max.int|prim::max.float|prim::max.int_float|prim::max.float_int|prim::max", "any any", s_max, "Max", scalar);
  // TorchScript has equality on bools, lists and strings; ordering on numbers and strings only
  const char* order = "aten::{0}.int|aten::{0}.float|aten::{0}.int_float|aten::{0}.float_int|aten::{0}.str|aten::{0}";
  const char* equality = "aten::{0}.int|aten::{0}.float|aten::{0}.int_float|aten::{0}.float_int|aten::{0}.bool|"
                         "aten::{0}.int_list|aten::{0}.float_list|aten::{0}.bool_list|aten::{0}.str|aten::{0}";
  r.add(fmt::format(fmt::runtime(equality), "eq"), "any any", s_eq, "Equal", scalar);
  r.add(fmt::format(fmt::runtime(equality), "ne"), "any any", s_ne, "Not(Equal)", scalar);
  r.add(fmt::format(fmt::runtime(order), "lt"), "any any", s_lt, "Less", scalar);
  r.add(fmt::format(fmt::runtime(order), "gt"), "any any", s_gt, "Greater", scalar);
  r.add(fmt::format(fmt::runtime(order), "le"), "any any", s_le, "LessOrEqual", scalar);
  r.add(fmt::format(fmt::runtime(order), "ge"), "any any", s_ge, "GreaterOrEqual", scalar);
  r.add("aten::__not__", "any", s_not, "Not", scalar);
  r.add("aten::__and__.bool|aten::__and__.int", "any any", s_bitwise("And", "BitwiseAnd"), "And (bools) or BitwiseAnd (ints, opset ≥ 18)",
        scalar);
  r.add("aten::__or__.bool|aten::__or__.int", "any any", s_bitwise("Or", "BitwiseOr"), "Or (bools) or BitwiseOr (ints, opset ≥ 18)",
        scalar);
  r.add("aten::__xor__.bool|aten::__xor__.int", "any any", s_bitwise("Xor", "BitwiseXor"), "Xor (bools) or BitwiseXor (ints, opset ≥ 18)",
        scalar);
  r.add("aten::__lshift__.int", "any any", s_lshift, "Mul by Pow(2, b)", scalar);
  r.add("aten::__rshift__.int", "any any", s_rshift, "floor division by Pow(2, b)", scalar);
  r.add("aten::mul.left_t|aten::mul.right_", "any any", list_repeat, "nothing (the elements repeated)", scalar);
  r.add("aten::_set_item.t", "any any any", list_set_item, "nothing (the element replaced)", scalar);
  r.add("prim::min.self_int|prim::min.self_float", "any", list_reduce("ReduceMin"), "Concat + ReduceMin", scalar);
  r.add("prim::max.self_int|prim::max.self_float", "any", list_reduce("ReduceMax"), "Concat + ReduceMax", scalar);
  r.add("aten::sum.int|aten::sum.float|aten::sum.bool", "any", list_reduce("ReduceSum"), "Concat + ReduceSum", scalar);
  r.add("aten::any.bool|aten::any.int|aten::any.float", "any", list_any_all(false), "Concat + ReduceMax", scalar);
  r.add("aten::all.bool|aten::all.int|aten::all.float", "any", list_any_all(true), "Concat + ReduceMin", scalar);
  r.add("aten::__contains__.str|aten::__contains__.int|aten::__contains__.float|aten::__contains__.bool", "any any", contains,
        "nothing (a key of a tracked dict)", scalar);
  r.add("prim::tolist", "...", tolist, "nothing (the list held as the tensor)", scalar);
  r.add("aten::__is__", "any any", is, "nothing (static)", scalar);
  r.add("aten::__isnot__", "any any", isnot, "nothing (static)", scalar);
  r.add("aten::warn", "any any", nothing, "nothing (a warning at run time)", scalar);
  r.add("aten::format", "...", format, "nothing (a message for an assertion)", scalar);
  r.add("prim::RaiseException", "...", raise, "nothing under a dropped assertion branch (see prim::If)", scalar);
  r.add("aten::is_autocast_enabled|aten::is_grad_enabled|aten::is_autocast_cpu_enabled", "...", known_false,
        "nothing (false at export)", scalar);
  r.add("prim::unchecked_cast", "any", unchecked_cast, "nothing, or OptionalGetElement (an Optional decided at run time)", scalar);
  r.add("prim::Uninitialized", "", uninitialized, "nothing", scalar);
  r.add("aten::keys", "any", dict_keys, "nothing (the keys are known at export)", scalar);
  r.add("aten::values", "any", dict_values, "nothing (the values as they are)", scalar);
  r.add("aten::items", "any", dict_items, "nothing ((key, value) tuples)", scalar);
  r.add("aten::dict", "...", dict_from, "nothing (a dict tracked like prim::DictConstruct)", scalar);
  r.add("prim::CreateObject", "", create_object, "nothing (an object whose attributes later GetAttrs read)", scalar);
  r.add("prim::GetAttr", "any", get_attr, "nothing (an attribute of a module known at export)", scalar);
  r.add("prim::SetAttr", "any any", set_attr_node, "nothing (later GetAttrs read the value written)", scalar);
  r.add("prim::requires_grad", "any", known_false, "nothing (inference: false)", scalar);
  r.add("prim::isinstance", "any", isinstance, "nothing (decided by the value's type)", scalar);
  r.add("aten::list.t|aten::list", "any", list_copy, "nothing (a copy of a tracked list)", scalar);
  r.add("aten::__contains__.int_list|aten::__contains__.float_list|aten::__contains__.str_list", "any any", contains,
        "nothing (a list known at export), or Or of Equal for a run-time number", scalar);
  r.add_static_only("aten::__range_length|aten::__derive_index",
                    "loop and list bookkeeping");
}

}  // namespace kiln
