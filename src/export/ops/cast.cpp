// Casts and bookkeeping: to / type_as → Cast (nothing to the same dtype); the ops that only change
// TorchScript's bookkeeping (contiguous, detach, clone, conj of a real tensor, eval-mode dropout)
// become no ONNX node; facts about a tensor (dtype, device, layout, is_floating_point) are
// static.
#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"

namespace kiln {

namespace {

void cast_to(ExportContext& ctx, const Node* node, const std::string& x, int32_t onnx_type) {
  auto have = ctx.elem_type_of(x);
  if (have && *have == onnx_type) return ctx.bind(node->output(), x);
  auto& n = ctx.add_node("Cast", {x}, {ctx.out(node->output(), "cast")});
  set_attr(n, "to", static_cast<int64_t>(onnx_type));
}

// to.dtype(x, dtype, non_blocking, copy, memory_format)
void to_dtype(ExportContext& ctx, const Node* node, const Args& a) {
  cast_to(ctx, node, a.tensor(0), onnx_dtype_or_fail(node, static_cast<at::ScalarType>(a.i(1))));
}
// to.device(x, device, dtype, ...)
void to_device(ExportContext& ctx, const Node* node, const Args& a) {
  cast_to(ctx, node, a.tensor(0), onnx_dtype_or_fail(node, static_cast<at::ScalarType>(a.i(2))));
}
// to.prim_dtype(x, dtype?, ...), to.prim_Device(x, device?, dtype?, ...), to.dtype_layout(x, dtype?, ...)
Converter to_optional_dtype(size_t dtype_arg) {
  return [dtype_arg](ExportContext& ctx, const Node* node, const Args& a) {
    auto d = a.dtype(dtype_arg);
    if (!d) return alias(ctx, node);
    cast_to(ctx, node, a.tensor(0), onnx_dtype_or_fail(node, *d));
  };
}
// to.other(x, other, ...) / type_as(x, other): other's dtype
void to_other(ExportContext& ctx, const Node* node, const Args& a) {
  auto t = value_type(ctx, a.value(1));
  if (!t) unsupported(node, "the other tensor's dtype is unknown at export");
  cast_to(ctx, node, a.tensor(0), *t);
}

// prim::dtype(x): the ScalarType code, known at export from the recorded or inferred type.
void dtype(ExportContext& ctx, const Node* node, const Args& a) {
  auto et = value_type(ctx, a.value(0));
  auto t = et ? torch_dtype(*et) : std::nullopt;
  if (!t) unsupported(node, "the tensor's dtype is unknown at export time");
  ctx.set_known(node->output(), c10::IValue(static_cast<int64_t>(*t)));
}

void is_floating_point(ExportContext& ctx, const Node* node, const Args& a) {
  auto et = value_type(ctx, a.value(0));
  if (!et) unsupported(node, "the tensor's dtype is unknown at export time");
  ctx.set_known(node->output(), c10::IValue(is_floating(*et)));
}

void device(ExportContext& ctx, const Node* node, const Args&) { ctx.set_known(node->output(), c10::IValue(c10::Device(c10::kCPU))); }
void layout(ExportContext& ctx, const Node* node, const Args&) {
  ctx.set_known(node->output(), c10::IValue(static_cast<int64_t>(c10::kStrided)));
}
void not_pinned(ExportContext& ctx, const Node* node, const Args&) { ctx.set_known(node->output(), c10::IValue(false)); }

// dropout(x, p, train) and friends: nothing in eval mode.
void dropout(ExportContext& ctx, const Node* node, const Args& a) {
  if (a.b(2)) unsupported(node, "training-mode dropout (call eval() before saving)");
  alias(ctx, node);
}
// native_dropout(x, p, train?) → (x, mask of ones) in eval mode
void native_dropout(ExportContext& ctx, const Node* node, const Args& a) {
  if (a.opt_b(2).value_or(true)) unsupported(node, "training-mode dropout (call eval() before saving)");
  ctx.alias_value(node->output(0), node->input(0));
  std::string x = a.tensor(0);
  auto& n = ctx.add_node("ConstantOfShape", {emit_shape(ctx, x)}, {ctx.out(node->output(1), "mask")});
  auto* v = n.add_attribute();
  v->set_name("value");
  v->set_type(onnx::AttributeProto::TENSOR);
  v->mutable_t()->set_data_type(onnx::TensorProto_DataType_BOOL);
  v->mutable_t()->add_dims(1);
  v->mutable_t()->set_raw_data(std::string(1, '\1'));
}

}  // namespace

void register_cast_ops(OpRegistry& r) {
  r.add("aten::to.dtype", "v i b b _", to_dtype, "nothing (same dtype) or Cast");
  r.add("aten::to.device", "v _ i b b _", to_device, "nothing (same dtype) or Cast");
  r.add("aten::to.prim_dtype", "v t? b b", to_optional_dtype(1), "nothing (same dtype) or Cast");
  r.add("aten::to.prim_Device", "v _ t? b b", to_optional_dtype(2), "nothing (same dtype) or Cast");
  r.add("aten::to.dtype_layout", "v t? _ _ _ b b _", to_optional_dtype(1), "nothing (same dtype) or Cast");
  r.add("aten::to.prim_other", "v b b", identity(), "nothing");
  r.add("aten::to.other|aten::type_as", "v v ...", to_other, "nothing (same dtype) or Cast");
  r.add("prim::dtype", "v", dtype, "nothing (the dtype is known at export)", {.world = OpWorld::Scalar});
  r.add("aten::is_floating_point", "v", is_floating_point, "nothing (known at export)", {.world = OpWorld::Scalar});
  r.add("prim::device", "v", device, "nothing (cpu)", {.world = OpWorld::Scalar});
  r.add("prim::layout", "v", layout, "nothing (strided)", {.world = OpWorld::Scalar});
  r.add("aten::is_pinned", "v _", not_pinned, "nothing (false)", {.world = OpWorld::Scalar});
  // Where a tensor lives and how it is laid out: an exported graph holds dense CPU tensors, so
  // these are false at export (prim::is_nested: ops/nested.cpp).
  r.add("prim::is_cuda|prim::is_sparse|prim::is_sparse_csr|prim::is_mkldnn|prim::is_meta|prim::is_xpu|"
        "prim::is_mps|prim::is_vulkan|prim::is_ipu|prim::is_mtia|prim::is_maia|prim::is_xla|prim::is_hpu|prim::is_lazy",
        "v", not_pinned, "nothing (false: dense CPU tensors)", {.world = OpWorld::Scalar});
  r.add("aten::dropout|aten::dropout_|aten::feature_dropout|aten::feature_dropout_|aten::alpha_dropout|aten::alpha_dropout_|"
        "aten::feature_alpha_dropout|aten::feature_alpha_dropout_",
        "v f b", dropout, "nothing (eval mode)");
  r.add("aten::native_dropout", "v f b?", native_dropout, "nothing (eval mode) + a mask of ones");
  r.add("aten::contiguous", "v _", identity(), "nothing (bookkeeping)", {.complex = true});
  r.add("aten::clone", "v _", identity(), "nothing (bookkeeping)", {.complex = true});
  r.add("aten::detach|aten::detach_|aten::alias|aten::lift|aten::lift_fresh|aten::resolve_conj|aten::resolve_neg|prim::data|"
        "prim::NumToTensor|aten::positive|aten::cpu",
        "v", identity(), "nothing (bookkeeping; real tensors)", {.complex = true});
}

}  // namespace kiln
