// Dynamically quantized Linear (kiln quantize, or Python's quantize_dynamic + script):
//   quantized::linear_dynamic(x, packed W, reduce_range)
// → DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_int8ᵀ, x_zp, w_zp) → Cast → ·(x_scale·w_scale) → + bias
// which ONNX Runtime's CPU provider runs with int8 weights. Per-tensor and per-channel weights.
#include <ATen/ATen.h>
#include <torch/csrc/jit/api/function_impl.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"

namespace kiln {

namespace {

// The packed params' pickled state is (int8 weight, optional bias), for every engine.
std::pair<at::Tensor, std::optional<at::Tensor>> unpack(ExportContext& ctx, const Node* node, const Value* packed) {
  if (!ctx.is_static(packed)) unsupported(node, "the packed weight is not a constant (freeze the module first)");
  auto iv = ctx.constant(packed);
  if (!iv.isObject()) unsupported(node, "the packed weight is not a constant (freeze the module first)");
  auto obj = iv.toObject();
  auto* fn = obj->type()->findMethod("__getstate__");
  if (fn == nullptr) unsupported(node, "the packed weight cannot be unpacked");
  torch::jit::Stack stack{iv};
  fn->run(stack);
  auto state = stack.back();
  const auto& elems = state.toTupleRef().elements();
  std::optional<at::Tensor> bias;
  if (elems.size() > 1 && elems[1].isTensor()) bias = elems[1].toTensor();
  return {elems[0].toTensor(), bias};
}

void linear_dynamic(ExportContext& ctx, const Node* node, const Args& a, bool relu) {
  auto [w, bias] = unpack(ctx, node, a.value(1));
  if (w.scalar_type() != at::kQInt8) unsupported(node, "only qint8 weights are supported");
  std::string x = a.tensor(0);
  std::string xq = ctx.fresh("x_quant"), xs = ctx.fresh("x_scale"), xz = ctx.fresh("x_zero_point");
  ctx.add_node("DynamicQuantizeLinear", {x}, {xq, xs, xz});
  std::string wt = ctx.add_initializer(w.int_repr().t().contiguous(), "weight_int8_t");
  std::string wz, ws;
  if (w.qscheme() == at::kPerTensorAffine) {
    wz = ctx.add_initializer(at::scalar_tensor(w.q_zero_point(), at::kChar), "weight_zero_point");
    ws = ctx.add_float_scalar(w.q_scale(), onnx::TensorProto_DataType_FLOAT, "weight_scale");
  } else if (w.qscheme() == at::kPerChannelAffine && w.q_per_channel_axis() == 0) {
    wz = ctx.add_initializer(w.q_per_channel_zero_points().to(at::kChar), "weight_zero_point");
    ws = ctx.add_initializer(w.q_per_channel_scales().to(at::kFloat), "weight_scale");
  } else {
    unsupported(node, "unsupported weight quantization scheme");
  }
  std::string acc = ctx.fresh("matmul_int32"), accf = ctx.fresh("matmul_float"), scale = ctx.fresh("output_scale");
  ctx.add_node("MatMulInteger", {xq, wt, xz, wz}, {acc});
  auto& cast = ctx.add_node("Cast", {acc}, {accf});
  set_attr(cast, "to", static_cast<int64_t>(onnx::TensorProto_DataType_FLOAT));
  ctx.add_node("Mul", {xs, ws}, {scale});
  bool last_is_scale = !bias && !relu;
  std::string y = last_is_scale ? ctx.out(node->output(), "linear_dynamic") : ctx.fresh("linear_scaled");
  ctx.add_node("Mul", {accf, scale}, {y});
  if (bias) {
    std::string yb = relu ? ctx.fresh("linear_biased") : ctx.out(node->output(), "linear_dynamic");
    ctx.add_node("Add", {y, ctx.add_initializer(bias->to(at::kFloat), "bias")}, {yb});
    y = yb;
  }
  if (relu) ctx.add_node("Relu", {y}, {ctx.out(node->output(), "linear_relu_dynamic")});
}

void linear_dynamic_plain(ExportContext& c, const Node* n, const Args& a) { linear_dynamic(c, n, a, false); }
void linear_relu_dynamic(ExportContext& c, const Node* n, const Args& a) { linear_dynamic(c, n, a, true); }

}  // namespace

void register_quantized_ops(OpRegistry& r) {
  r.add("quantized::linear_dynamic", "v any b", linear_dynamic_plain, "DynamicQuantizeLinear + MatMulInteger + rescale (+ Add)");
  r.add("quantized::linear_relu_dynamic", "v any b", linear_relu_dynamic,
        "DynamicQuantizeLinear + MatMulInteger + rescale (+ Add) + Relu");
}

}  // namespace kiln
