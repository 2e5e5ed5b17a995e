#include "export/op_signature.h"

#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "common/error.h"
#include "export/op_registry.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

struct KindText {
  const char* token;
  ArgKind kind;
  const char* meaning;  // for messages: "argument 'dim' must be <meaning>"
};

constexpr KindText kKinds[] = {
    {"v", ArgKind::Tensor, "a tensor"},
    {"v?", ArgKind::OptTensor, "a tensor or None"},
    {"x", ArgKind::Operand, "a tensor or a number"},
    {"x?", ArgKind::OptOperand, "a tensor, a number or None"},
    {"i", ArgKind::Int, "an int known at export"},
    {"i?", ArgKind::OptInt, "an int known at export, or None"},
    {"id", ArgKind::DynInt, "an int"},
    {"id?", ArgKind::OptDynInt, "an int or None"},
    {"is", ArgKind::Ints, "an int list known at export"},
    {"is?", ArgKind::OptInts, "an int list known at export, or None"},
    {"iv", ArgKind::DynInts, "an int list"},
    {"f", ArgKind::Float, "a number known at export"},
    {"f?", ArgKind::OptFloat, "a number known at export, or None"},
    {"b", ArgKind::Bool, "a bool known at export"},
    {"b?", ArgKind::OptBool, "a bool known at export, or None"},
    {"s", ArgKind::String, "a string known at export"},
    {"s?", ArgKind::OptString, "a string known at export, or None"},
    {"t?", ArgKind::OptDtype, "a dtype known at export, or None"},
    {"vs", ArgKind::TensorList, "a list of tensors"},
    {"none", ArgKind::MustBeNone, "None (kiln does not convert other values of it)"},
    {"_", ArgKind::Ignored, "anything"},
    {"any", ArgKind::Any, "anything"},
    {"...", ArgKind::Variadic, "anything"},
};

const KindText& info(ArgKind k) {
  for (const auto& t : kKinds)
    if (t.kind == k) return t;
  throw std::logic_error("unknown ArgKind");
}

std::string arg_name(const Node* node, size_t i) {
  const auto* schema = node->maybeSchema();
  if (schema != nullptr && i < schema->arguments().size()) return schema->arguments()[i].name();
  return fmt::format("#{}", i);
}

// What a value is, for a message: "None", "computed at run time", "the int 3", "a str"...
std::string describe_value(ExportContext& ctx, const Value* v) {
  if (ctx.is_none(v)) return "it is None";
  if (!ctx.is_static(v)) return "it is computed at run time";
  std::ostringstream ss;
  auto iv = ctx.constant(v);
  if (iv.isTensor()) return "it is a constant tensor";
  ss << "it is " << iv.tagKind() << " " << iv;
  std::string s = ss.str();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

bool is_tensor_list_type(const Value* v) {
  auto lt = v->type()->cast<c10::ListType>();
  return lt && lt->getElementType()->kind() == c10::TypeKind::TensorType;
}

}  // namespace

const char* kind_name(ArgKind k) { return info(k).token; }

Signature parse_signature(const std::string& text) {
  Signature sig;
  sig.text = text;
  std::istringstream in(text);
  std::string tok;
  while (in >> tok) {
    if (sig.variadic) throw std::logic_error("signature '" + text + "': '...' must be last");
    bool found = false;
    for (const auto& k : kKinds) {
      if (tok == k.token) {
        found = true;
        if (k.kind == ArgKind::Variadic) sig.variadic = true;
        else sig.kinds.push_back(k.kind);
      }
    }
    if (!found) throw std::logic_error("signature '" + text + "': unknown argument kind '" + tok + "'");
  }
  return sig;
}

std::string op_key(const Node* node) {
  std::string name = node->kind().toQualString();
  const auto* schema = node->maybeSchema();
  if (schema == nullptr || schema->overload_name().empty()) return name;
  return name + "." + schema->overload_name();
}

Args parse_args(ExportContext& ctx, const Node* node, const Signature& sig) {
  size_t n = node->inputs().size();
  if (n < sig.kinds.size() || (!sig.variadic && n != sig.kinds.size())) {
    unsupported(node, fmt::format("the overload {} takes {} arguments; kiln's converter declares {} ({}). "
                                  "This overload is not converted",
                                  op_key(node), n, sig.kinds.size(), sig.text.empty() ? "none" : sig.text));
  }
  std::vector<ParsedArg> out;
  out.reserve(n);
  auto fail = [&](size_t i, ArgKind k) {
    unsupported(node, fmt::format("argument {} '{}' must be {}; {}", i, arg_name(node, i), info(k).meaning,
                                  describe_value(ctx, node->input(i))));
  };
  for (size_t i = 0; i < n; ++i) {
    ParsedArg a;
    a.kind = i < sig.kinds.size() ? sig.kinds[i] : ArgKind::Any;
    a.value = node->input(i);
    const Value* v = a.value;
    a.none = ctx.is_none(v);
    bool optional = a.kind == ArgKind::OptTensor || a.kind == ArgKind::OptInt || a.kind == ArgKind::OptInts ||
                    a.kind == ArgKind::OptFloat || a.kind == ArgKind::OptBool || a.kind == ArgKind::OptString ||
                    a.kind == ArgKind::OptDtype;
    switch (a.kind) {
      case ArgKind::Ignored:
      case ArgKind::Any:
      case ArgKind::Variadic:
        break;
      case ArgKind::MustBeNone:
        if (!a.none) fail(i, a.kind);
        break;
      case ArgKind::Tensor:
      case ArgKind::Operand:
      case ArgKind::DynInt:
      case ArgKind::OptDynInt:
        if (a.none) {
          if (a.kind != ArgKind::OptDynInt) fail(i, a.kind);
          break;
        }
        if ((a.kind == ArgKind::DynInt || a.kind == ArgKind::OptDynInt) && ctx.is_static(v)) {
          auto iv = ctx.constant(v);
          if (!iv.isInt() && !(iv.isTensor() && iv.toTensor().dim() == 0)) fail(i, a.kind);
          a.i = iv.isInt() ? iv.toInt() : iv.toTensor().item<int64_t>();
        }
        break;
      case ArgKind::OptTensor:
      case ArgKind::OptOperand:
        break;
      case ArgKind::Int:
      case ArgKind::OptInt:
      case ArgKind::OptDtype:
        if (a.none) {
          if (!optional) fail(i, a.kind);
          break;
        }
        if (!ctx.is_static(v) || !ctx.constant(v).isInt()) fail(i, a.kind);
        a.i = ctx.constant(v).toInt();
        break;
      case ArgKind::Ints:
      case ArgKind::OptInts:
        if (a.none) {
          if (!optional) fail(i, a.kind);
          break;
        }
        if (!ctx.is_static(v)) fail(i, a.kind);
        {
          auto iv = ctx.constant(v);
          if (iv.isIntList()) a.ints = iv.toIntVector();
          else if (iv.isInt()) a.ints = std::vector<int64_t>{iv.toInt()};
          else fail(i, a.kind);
        }
        break;
      case ArgKind::DynInts:
        if (a.none) fail(i, a.kind);
        if (ctx.is_static(v)) {
          auto iv = ctx.constant(v);
          if (iv.isIntList()) a.ints = iv.toIntVector();
          else if (iv.isInt()) a.ints = std::vector<int64_t>{iv.toInt()};
          else fail(i, a.kind);
        }
        break;
      case ArgKind::Float:
      case ArgKind::OptFloat:
        if (a.none) {
          if (!optional) fail(i, a.kind);
          break;
        }
        if (!ctx.is_static(v)) fail(i, a.kind);
        {
          auto iv = ctx.constant(v);
          if (iv.isDouble()) a.f = iv.toDouble();
          else if (iv.isInt()) a.f = static_cast<double>(iv.toInt());
          else if (iv.isBool()) a.f = iv.toBool() ? 1.0 : 0.0;
          else if (iv.isTensor() && iv.toTensor().numel() == 1) a.f = iv.toTensor().item<double>();
          else fail(i, a.kind);
        }
        break;
      case ArgKind::Bool:
      case ArgKind::OptBool:
        if (a.none) {
          if (!optional) fail(i, a.kind);
          break;
        }
        if (!ctx.is_static(v)) fail(i, a.kind);
        {
          auto iv = ctx.constant(v);
          if (iv.isBool()) a.b = iv.toBool();
          else if (iv.isInt()) a.b = iv.toInt() != 0;
          else fail(i, a.kind);
        }
        break;
      case ArgKind::String:
      case ArgKind::OptString:
        if (a.none) {
          if (!optional) fail(i, a.kind);
          break;
        }
        if (!ctx.is_static(v) || !ctx.constant(v).isString()) fail(i, a.kind);
        a.s = ctx.constant(v).toStringRef();
        break;
      case ArgKind::TensorList:
        if (a.none) fail(i, a.kind);
        if (!ctx.list_elements(v) && !ctx.sequence_of(v) && !(ctx.is_static(v) && ctx.constant(v).isTensorList()) &&
            !is_tensor_list_type(v)) {
          fail(i, a.kind);
        }
        break;
    }
    out.push_back(std::move(a));
  }
  return Args(ctx, node, std::move(out));
}

// --- Args ---------------------------------------------------------------------------------------

const ParsedArg& Args::at(size_t i) const {
  if (i >= args_.size()) {
    throw Error(fmt::format("internal: converter for {} reads argument {} of {}", op_key(node_), i, args_.size()));
  }
  return args_[i];
}

const ParsedArg& Args::expect(size_t i, std::initializer_list<ArgKind> kinds, const char* accessor) const {
  const ParsedArg& a = at(i);
  for (auto k : kinds)
    if (a.kind == k) return a;
  throw Error(fmt::format("internal: converter for {} reads argument {} with {}() but declared it '{}'", op_key(node_), i,
                          accessor, kind_name(a.kind)));
}

std::string Args::tensor(size_t i) const {
  const auto& a = expect(i, {ArgKind::Tensor, ArgKind::OptTensor, ArgKind::Operand, ArgKind::OptOperand}, "tensor");
  if (a.none) unsupported(node_, fmt::format("argument {} '{}' is None", i, arg_name(node_, i)));
  return ctx_->in(a.value);
}

bool Args::is_static(size_t i) const { return ctx_->is_static(at(i).value); }

std::optional<std::string> Args::opt_tensor(size_t i) const {
  const auto& a = expect(i, {ArgKind::OptTensor, ArgKind::OptOperand}, "opt_tensor");
  if (a.none) return std::nullopt;
  return ctx_->in(a.value);
}

int64_t Args::i(size_t i) const {
  const auto& a = expect(i, {ArgKind::Int, ArgKind::OptInt, ArgKind::DynInt, ArgKind::OptDynInt}, "i");
  if (!a.i) {
    unsupported(node_, fmt::format("argument {} '{}' must be an int known at export", i, arg_name(node_, i)));
  }
  return *a.i;
}

std::optional<int64_t> Args::opt_i(size_t i) const { return expect(i, {ArgKind::OptInt}, "opt_i").i; }

std::string Args::dyn_int(size_t i) const {
  const auto& a = expect(i, {ArgKind::DynInt, ArgKind::OptDynInt}, "dyn_int");
  return scalar_operand(*ctx_, a.value, onnx::TensorProto_DataType_INT64);
}

bool Args::int_is_static(size_t i) const {
  return expect(i, {ArgKind::DynInt, ArgKind::OptDynInt}, "int_is_static").i.has_value();
}

const std::vector<int64_t>& Args::ints(size_t i) const {
  const auto& a = expect(i, {ArgKind::Ints, ArgKind::OptInts, ArgKind::DynInts}, "ints");
  if (!a.ints) {
    unsupported(node_, fmt::format("argument {} '{}' must be an int list known at export", i, arg_name(node_, i)));
  }
  return *a.ints;
}

std::optional<std::vector<int64_t>> Args::opt_ints(size_t i) const {
  return expect(i, {ArgKind::OptInts}, "opt_ints").ints;
}

std::string Args::packed_ints(size_t i) const {
  const auto& a = expect(i, {ArgKind::DynInts, ArgKind::Ints}, "packed_ints");
  if (a.ints) return ctx_->add_int64s(*a.ints, "ints");
  return pack_int_list(*ctx_, node_, a.value);
}

double Args::f(size_t i) const {
  const auto& a = expect(i, {ArgKind::Float, ArgKind::OptFloat}, "f");
  if (!a.f) unsupported(node_, fmt::format("argument {} '{}' is None", i, arg_name(node_, i)));
  return *a.f;
}

std::optional<double> Args::opt_f(size_t i) const { return expect(i, {ArgKind::OptFloat}, "opt_f").f; }

bool Args::b(size_t i) const {
  const auto& a = expect(i, {ArgKind::Bool, ArgKind::OptBool}, "b");
  if (!a.b) unsupported(node_, fmt::format("argument {} '{}' is None", i, arg_name(node_, i)));
  return *a.b;
}

std::optional<bool> Args::opt_b(size_t i) const { return expect(i, {ArgKind::OptBool}, "opt_b").b; }

const std::string& Args::s(size_t i) const {
  const auto& a = expect(i, {ArgKind::String, ArgKind::OptString}, "s");
  if (!a.s) unsupported(node_, fmt::format("argument {} '{}' is None", i, arg_name(node_, i)));
  return *a.s;
}

std::optional<std::string> Args::opt_s(size_t i) const { return expect(i, {ArgKind::OptString}, "opt_s").s; }

std::optional<at::ScalarType> Args::dtype(size_t i) const {
  const auto& a = expect(i, {ArgKind::OptDtype}, "dtype");
  if (!a.i) return std::nullopt;
  return static_cast<at::ScalarType>(*a.i);
}

std::vector<const Value*> Args::tensors(size_t i) const {
  const auto& a = expect(i, {ArgKind::TensorList}, "tensors");
  if (auto elems = ctx_->list_elements(a.value)) return *elems;
  if (ctx_->sequence_of(a.value)) {
    unsupported(node_, fmt::format("argument {} '{}' is a list built in a run-time loop (an ONNX sequence), which this op "
                                   "does not take",
                                   i, arg_name(node_, i)));
  }
  if (ctx_->is_static(a.value)) {
    std::vector<const Value*> out;
    const c10::IValue list = ctx_->constant(a.value);  // named: the loop reads into it
    for (const auto& t : list.toListRef()) out.push_back(ctx_->mint_static(t, c10::TensorType::get()));
    return out;
  }
  unsupported(node_, fmt::format("argument {} '{}' is a list of tensors kiln does not track (built at run time)", i,
                                 arg_name(node_, i)));
}

std::vector<std::string> Args::tensor_names(size_t i) const {
  std::vector<std::string> names;
  for (const Value* v : tensors(i)) names.push_back(ctx_->in(v));
  return names;
}

}  // namespace kiln
