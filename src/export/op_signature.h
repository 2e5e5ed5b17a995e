#pragma once
// What a converter declares about its op's arguments, and the typed arguments the registry parses
// from a node before the converter runs (torch.onnx's `parse_args("v", "is", "f")`, onnxscript's
// typed `@torch_op`). A signature is a space-separated list of kinds, one per schema argument:
//
//   v     a tensor (ONNX value)                 v?    a tensor or None
//   x     a tensor or a number (an operand that PyTorch promotes; static or run-time)
//   x?    such an operand or None
//   i     an int known at export                i?    such an int or None
//   id    an int, known at export or computed at run time (a 0-d int64 ONNX value)
//   id?   such an int or None
//   is    an int list known at export           is?   such a list or None
//   iv    an int list, static or built at run time (packed into a 1-D int64 ONNX value)
//   f     a number known at export              f?    such a number or None
//   b     a bool known at export                b?    such a bool or None
//   s     a string known at export              s?    such a string or None
//   t?    a dtype (ScalarType) known at export, or None
//   vs    a list of tensors (static or built in the graph)
//   none  must be None: a converter that does not implement the argument says so, and a model
//         that passes one is refused with the argument's name instead of being exported wrong
//   _     ignored on purpose (layout, device, pin_memory, memory_format, a training-only flag)
//   any   anything; the converter reads the value itself (structure ops: lists, tuples, dicts)
//   ...   any number of further arguments of any kind (variadic structure ops); last only
//
// A node whose argument count differs from the signature's (another overload) or whose argument
// is of another kind is refused before the converter runs, naming the argument.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/ScalarType.h>

#include "export/export_context.h"

namespace kiln {

enum class ArgKind {
  Tensor,
  OptTensor,
  Operand,
  OptOperand,
  Int,
  OptInt,
  DynInt,
  OptDynInt,
  Ints,
  OptInts,
  DynInts,
  Float,
  OptFloat,
  Bool,
  OptBool,
  String,
  OptString,
  OptDtype,
  TensorList,
  MustBeNone,
  Ignored,
  Any,
  Variadic,
};

struct Signature {
  std::vector<ArgKind> kinds;
  bool variadic = false;  // ends in "..."
  std::string text;       // as declared, for --list-ops and messages
};

// Parses "v is f? none"; throws std::logic_error on an unknown kind (a registration bug).
Signature parse_signature(const std::string& text);
const char* kind_name(ArgKind k);

// One argument after parsing: its kind, its TorchScript value and, for static kinds, the value.
struct ParsedArg {
  ArgKind kind = ArgKind::Any;
  const Value* value = nullptr;
  bool none = false;
  std::optional<int64_t> i;
  std::optional<double> f;
  std::optional<bool> b;
  std::optional<std::string> s;
  std::optional<std::vector<int64_t>> ints;
};

// The typed arguments of one node. Accessors check that the converter reads an argument as the
// kind it declared (reading `i` where `v` was declared is an internal error, not a silent guess).
class Args {
 public:
  Args(ExportContext& ctx, const Node* node, std::vector<ParsedArg> args)
      : ctx_(&ctx), node_(node), args_(std::move(args)) {}

  size_t size() const { return args_.size(); }
  const Value* value(size_t i) const { return at(i).value; }
  bool is_none(size_t i) const { return at(i).none; }

  std::string tensor(size_t i) const;                    // v, x, v? and x? (not None)
  bool is_static(size_t i) const;                        // known at export
  std::optional<std::string> opt_tensor(size_t i) const;  // v?
  int64_t i(size_t i) const;                             // i, i? (not None)
  std::optional<int64_t> opt_i(size_t i) const;          // i?
  std::string dyn_int(size_t i) const;                   // id as a 0-d int64 ONNX value
  bool int_is_static(size_t i) const;                    // id
  const std::vector<int64_t>& ints(size_t i) const;      // is, is? (not None)
  std::optional<std::vector<int64_t>> opt_ints(size_t i) const;
  std::string packed_ints(size_t i) const;  // iv as a 1-D int64 ONNX value
  double f(size_t i) const;                 // f, f? (not None)
  std::optional<double> opt_f(size_t i) const;
  bool b(size_t i) const;
  std::optional<bool> opt_b(size_t i) const;
  const std::string& s(size_t i) const;
  std::optional<std::string> opt_s(size_t i) const;
  std::optional<at::ScalarType> dtype(size_t i) const;   // t?
  std::vector<const Value*> tensors(size_t i) const;      // vs
  std::vector<std::string> tensor_names(size_t i) const;  // vs, each converted

 private:
  const ParsedArg& at(size_t i) const;
  const ParsedArg& expect(size_t i, std::initializer_list<ArgKind> kinds, const char* accessor) const;
  ExportContext* ctx_;
  const Node* node_;
  std::vector<ParsedArg> args_;
};

// Checks `node` against `sig` and reads its static arguments; throws kiln::Error naming the op,
// the argument (by its schema name) and what was expected.
Args parse_args(ExportContext& ctx, const Node* node, const Signature& sig);

// "aten::sum.dim_IntList" (the bare name when the node has no schema or the default overload).
std::string op_key(const Node* node);

}  // namespace kiln
