// Quantized models.
//
// Eager-mode PTQ / QAT (torch.ao.quantization prepare → calibrate → convert, then traced or
// scripted): quantize_per_tensor / quantize_per_channel → QuantizeLinear, dequantize →
// DequantizeLinear, and every quantized::* op as QDQ — its inputs dequantized, the float op, its
// output quantized with the op's output scale and zero point — which ONNX Runtime fuses into its
// int8 kernels (QLinearConv, QLinearMatMul, QLinearAdd ...). Weights stay int8 initializers,
// per-tensor or per-channel. An aten op on a quantized tensor (relu, max_pool2d, flatten ...) runs
// on the dequantized value and is quantized again with its input's parameters
// (convert_with_dequantized_inputs), as LibTorch's quantized kernels keep them.
//
// QAT graphs: fake_quantize_per_tensor/channel_affine → QuantizeLinear + DequantizeLinear (the
// uint8 and int8 ranges) or the float formula (other ranges).
//
// Dynamically quantized Linear (kiln quantize, or Python's quantize_dynamic + script):
//   quantized::linear_dynamic(x, packed W, reduce_range)
// → DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_int8ᵀ, x_zp, w_zp) → Cast → ·(x_scale·w_scale) → + bias
// which ONNX Runtime's CPU provider runs with int8 weights. Per-tensor and per-channel weights.
#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/jit/api/function_impl.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

constexpr OpOptions kQuantized{.quantized = true};

using QuantInfo = ExportContext::QuantInfo;

// --- parameters and QDQ ---------------------------------------------------------------------

int32_t onnx_quant_type(const Node* node, at::ScalarType t) {
  switch (t) {
    case at::kQUInt8: return onnx::TensorProto_DataType_UINT8;
    case at::kQInt8: return onnx::TensorProto_DataType_INT8;
    case at::kByte: return onnx::TensorProto_DataType_UINT8;
    case at::kChar: return onnx::TensorProto_DataType_INT8;
    default: unsupported(node, fmt::format("quantized dtype {} (kiln exports quint8 and qint8)", c10::toString(t)));
  }
}

at::ScalarType zero_point_dtype(int32_t onnx_type) {
  return onnx_type == onnx::TensorProto_DataType_INT8 ? at::kChar : at::kByte;
}

QuantInfo static_qparams(ExportContext& ctx, double scale, int64_t zero_point, int32_t onnx_type) {
  return {ctx.add_initializer(at::scalar_tensor(scale, at::kFloat), "scale"),
          ctx.add_initializer(at::scalar_tensor(zero_point, at::kLong).to(zero_point_dtype(onnx_type)), "zero_point"),
          std::nullopt};
}

std::string dequantize(ExportContext& ctx, const std::string& q, const QuantInfo& info) {
  std::string out = ctx.fresh("dequantized");
  auto& n = ctx.add_node("DequantizeLinear", {q, info.scale, info.zero_point}, {out});
  if (info.axis) set_attr(n, "axis", *info.axis);
  return out;
}

std::string quantize(ExportContext& ctx, const std::string& x, const QuantInfo& info, const std::string& out) {
  auto& n = ctx.add_node("QuantizeLinear", {x, info.scale, info.zero_point}, {out});
  if (info.axis) set_attr(n, "axis", *info.axis);
  ctx.mark_quantized(out, info);
  return out;
}

// A quantized input's float value (a float tensor passes as it is).
std::string float_of(ExportContext& ctx, const Value* v) {
  std::string name = ctx.in(v);
  if (const auto* q = ctx.quant_of(v)) return dequantize(ctx, name, *q);
  return name;
}

const QuantInfo& quant_or_fail(ExportContext& ctx, const Node* node, const Value* v) {
  const auto* q = ctx.quant_of(v);
  if (q == nullptr) unsupported(node, "an input that is not a quantized tensor");
  return *q;
}

int32_t quant_type_of(ExportContext& ctx, const QuantInfo& q) {
  return ctx.elem_type_of(q.zero_point).value_or(onnx::TensorProto_DataType_UINT8);
}

// Output parameters (output_scale, output_zero_point) in the input's quantized type.
QuantInfo output_qparams(ExportContext& ctx, const Node* node, const Args& a, size_t scale_arg, const Value* like) {
  int32_t t = quant_type_of(ctx, quant_or_fail(ctx, node, like));
  return static_qparams(ctx, a.f(scale_arg), a.i(scale_arg + 1), t);
}

// An int8 weight as DequantizeLinear(initializer, scale(s), zero point(s), axis).
std::string weight_dq(ExportContext& ctx, const Node* node, const at::Tensor& w) {
  std::string q = ctx.add_initializer(w.int_repr(), "weight_quantized");
  QuantInfo info;
  at::ScalarType zt = w.scalar_type() == at::kQUInt8 ? at::kByte : at::kChar;
  if (w.qscheme() == at::kPerTensorAffine || w.qscheme() == at::kPerTensorSymmetric) {
    info.scale = ctx.add_initializer(at::scalar_tensor(w.q_scale(), at::kFloat), "weight_scale");
    info.zero_point = ctx.add_initializer(at::scalar_tensor(w.q_zero_point(), at::kLong).to(zt), "weight_zero_point");
  } else if (w.qscheme() == at::kPerChannelAffine || w.qscheme() == at::kPerChannelSymmetric) {
    info.scale = ctx.add_initializer(w.q_per_channel_scales().to(at::kFloat), "weight_scale");
    info.zero_point = ctx.add_initializer(w.q_per_channel_zero_points().to(zt), "weight_zero_point");
    info.axis = w.q_per_channel_axis();
  } else {
    unsupported(node, "a weight quantization scheme other than per-tensor or per-channel affine");
  }
  return dequantize(ctx, q, info);
}

// --- packed parameters ------------------------------------------------------------------------

c10::IValue call_method(const Node* node, const c10::IValue& obj, const std::string& name) {
  auto* fn = obj.toObject()->type()->findMethod(name);
  if (fn == nullptr) unsupported(node, "the packed weight has no '" + name + "' method");
  torch::jit::Stack stack{obj};
  fn->run(stack);
  return stack.back();
}

c10::IValue packed_object(ExportContext& ctx, const Node* node, const Value* v) {
  if (!ctx.is_static(v) || !ctx.constant(v).isObject()) {
    unsupported(node, "the packed weight is not a constant (freeze the module first)");
  }
  return ctx.constant(v);
}

// Linear packed params: the pickled state (int8 weight, optional bias) of every engine.
std::pair<at::Tensor, std::optional<at::Tensor>> unpack_linear(ExportContext& ctx, const Node* node, const Value* packed) {
  auto state = call_method(node, packed_object(ctx, node, packed), "__getstate__");
  const auto& elems = state.toTupleRef().elements();
  std::optional<at::Tensor> bias;
  if (elems.size() > 1 && elems[1].isTensor()) bias = elems[1].toTensor();
  return {elems[0].toTensor(), bias};
}

struct ConvParams {
  at::Tensor weight;
  std::optional<at::Tensor> bias;
  std::vector<int64_t> stride, padding, dilation, output_padding;
  int64_t groups = 1;
  bool transpose = false;
};

ConvParams unpack_conv(ExportContext& ctx, const Node* node, const Value* packed) {
  auto obj = packed_object(ctx, node, packed);
  ConvParams p;
  auto wb = call_method(node, obj, "unpack").toTupleRef().elements();
  p.weight = wb[0].toTensor();
  if (wb.size() > 1 && wb[1].isTensor()) p.bias = wb[1].toTensor();
  p.stride = call_method(node, obj, "stride").toIntVector();
  p.padding = call_method(node, obj, "padding").toIntVector();
  p.dilation = call_method(node, obj, "dilation").toIntVector();
  p.groups = call_method(node, obj, "groups").toInt();
  p.transpose = call_method(node, obj, "transpose").toBool();
  if (p.transpose) p.output_padding = call_method(node, obj, "output_padding").toIntVector();
  return p;
}

// --- converters ---------------------------------------------------------------------------------

// quantize_per_tensor(x, scale, zero_point, dtype) / .tensor_qparams (scale and zero point tensors)
void quantize_per_tensor(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = onnx_quant_type(node, static_cast<at::ScalarType>(a.i(3)));
  QuantInfo info;
  if (a.is_static(1) && a.is_static(2)) {
    info = static_qparams(ctx, ctx.const_double(a.value(1)), ctx.const_int(a.value(2)), t);
  } else {
    info.scale = emit_cast(ctx, operand(ctx, a.value(1), onnx::TensorProto_DataType_FLOAT), onnx::TensorProto_DataType_FLOAT);
    info.zero_point = emit_cast(ctx, operand(ctx, a.value(2), onnx::TensorProto_DataType_INT64), t);
  }
  std::string x = emit_cast(ctx, a.tensor(0), onnx::TensorProto_DataType_FLOAT);
  quantize(ctx, x, info, ctx.out(node->output(), "quantized"));
}

// quantize_per_tensor(tensors, scales [n], zero_points [n], dtype): each tensor with its own pair
void quantize_per_tensor_list(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = onnx_quant_type(node, static_cast<at::ScalarType>(a.i(3)));
  auto elems = a.tensors(0);
  std::vector<const Value*> outs;
  std::string scales = emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_FLOAT);
  std::string zps = emit_cast(ctx, a.tensor(2), t);
  for (size_t k = 0; k < elems.size(); ++k) {
    auto pick = [&](const std::string& v, const char* hint) {
      auto& g = ctx.add_node("Gather", {v, ctx.add_int64s({static_cast<int64_t>(k)}, "index", true)}, {ctx.fresh(hint)});
      set_attr(g, "axis", int64_t{0});
      return g.output(0);
    };
    QuantInfo info{pick(scales, "scale"), pick(zps, "zero_point"), std::nullopt};
    std::string x = emit_cast(ctx, ctx.in(elems[k]), onnx::TensorProto_DataType_FLOAT);
    outs.push_back(ctx.mint(quantize(ctx, x, info, ctx.fresh("quantized"))));
  }
  ctx.record_list(node->output(), std::move(outs));
}

// quantize_per_channel(x, scales, zero_points, axis, dtype)
void quantize_per_channel(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = onnx_quant_type(node, static_cast<at::ScalarType>(a.i(4)));
  QuantInfo info{emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_FLOAT), emit_cast(ctx, a.tensor(2), t), a.i(3)};
  quantize(ctx, emit_cast(ctx, a.tensor(0), onnx::TensorProto_DataType_FLOAT), info, ctx.out(node->output(), "quantized"));
}

void dequantize_op(ExportContext& ctx, const Node* node, const Args& a) {
  const auto* q = ctx.quant_of(a.value(0));
  if (q == nullptr) return alias(ctx, node);  // dequantizing a float tensor is the identity
  ctx.bind(node->output(), dequantize(ctx, a.tensor(0), *q));
}

// dequantize(list of quantized tensors) → a list of floats
void dequantize_list(ExportContext& ctx, const Node* node, const Args& a) {
  std::vector<const Value*> outs;
  for (const Value* v : a.tensors(0)) outs.push_back(ctx.mint(float_of(ctx, v)));
  ctx.record_list(node->output(), std::move(outs));
}

// int_repr(q): the integers themselves
void int_repr(ExportContext& ctx, const Node* node, const Args& a) {
  quant_or_fail(ctx, node, a.value(0));
  ctx.bind(node->output(), emit(ctx, "Identity", {a.tensor(0)}, "int_repr"));
}

// fake_quantize_per_tensor_affine(x, scale, zero_point, qmin, qmax) and the per-channel form:
// QuantizeLinear + DequantizeLinear for the uint8 / int8 ranges, else
// (clamp(round(x/s) + z, qmin, qmax) − z)·s in float.
void fake_quantize_impl(ExportContext& ctx, const Node* node, const std::string& x, const std::string& scale,
                        const std::string& zp_int64, std::optional<int64_t> axis, int64_t qmin, int64_t qmax) {
  std::optional<int32_t> t;
  if (qmin == 0 && qmax == 255) t = onnx::TensorProto_DataType_UINT8;
  if (qmin == -128 && qmax == 127) t = onnx::TensorProto_DataType_INT8;
  if (t) {
    QuantInfo info{scale, emit_cast(ctx, zp_int64, *t), axis};
    std::string q = quantize(ctx, x, info, ctx.fresh("fake_quantized"));
    auto& n = ctx.add_node("DequantizeLinear", {q, info.scale, info.zero_point}, {ctx.out(node->output(), "fake_quantize")});
    if (axis) set_attr(n, "axis", *axis);
    return;
  }
  auto bcast = [&](const std::string& p) {
    if (!axis) return p;
    int64_t rank = rank_or_fail(ctx, node, node->input(0));
    std::vector<int64_t> view(static_cast<size_t>(rank), 1);
    view[static_cast<size_t>(*axis < 0 ? *axis + rank : *axis)] = -1;
    return emit(ctx, "Reshape", {p, ctx.add_int64s(view, "channel_view")}, "per_channel");
  };
  std::string s = bcast(scale), z = bcast(emit_cast(ctx, zp_int64, type_or_float(ctx, x)));
  std::string q = emit(ctx, "Add", {emit(ctx, "Round", {emit(ctx, "Div", {x, s}, "scaled")}, "rounded"), z}, "shifted");
  q = emit(ctx, "Clip", {q, constant_like(ctx, static_cast<double>(qmin), x, "qmin"), constant_like(ctx, static_cast<double>(qmax), x, "qmax")},
           "clamped");
  ctx.add_node("Mul", {emit(ctx, "Sub", {q, z}, "centered"), s}, {ctx.out(node->output(), "fake_quantize")});
}
void fake_quantize_per_tensor(ExportContext& ctx, const Node* node, const Args& a) {
  std::string scale = emit_cast(ctx, operand(ctx, a.value(1), onnx::TensorProto_DataType_FLOAT), onnx::TensorProto_DataType_FLOAT);
  std::string zp = operand(ctx, a.value(2), onnx::TensorProto_DataType_INT64);
  if (auto r = ctx.rank_of(a.value(1)); r && *r > 0) scale = emit(ctx, "Reshape", {scale, ctx.add_int64s({}, "scalar")}, "scale");
  if (auto r = ctx.rank_of(a.value(2)); r && *r > 0) zp = emit(ctx, "Reshape", {zp, ctx.add_int64s({}, "scalar")}, "zero_point");
  fake_quantize_impl(ctx, node, a.tensor(0), scale, zp, std::nullopt, a.i(3), a.i(4));
}
void fake_quantize_per_channel(ExportContext& ctx, const Node* node, const Args& a) {
  std::string zp = emit_cast(ctx, a.tensor(2), onnx::TensorProto_DataType_INT64);
  fake_quantize_impl(ctx, node, a.tensor(0), emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_FLOAT), zp, a.i(3), a.i(4), a.i(5));
}

// quantized::conv{1,2,3}d[_relu](qx, packed, output_scale, output_zero_point) and
// quantized::conv_transpose{1,2,3}d: DQ(x), DQ(w) → Conv / ConvTranspose (+ Relu) → Q
Converter quantized_conv(bool relu) {
  return [relu](ExportContext& ctx, const Node* node, const Args& a) {
    auto p = unpack_conv(ctx, node, a.value(1));
    QuantInfo out = output_qparams(ctx, node, a, 2, a.value(0));
    std::string x = float_of(ctx, a.value(0));
    std::string w = weight_dq(ctx, node, p.weight);
    size_t spatial = static_cast<size_t>(p.weight.dim() - 2);
    // A 1-D conv is packed as a 2-D one with a height-1 kernel: its weight [O, I, 1, k] and the
    // first stride / padding / dilation belong to that extra dim.
    std::string kind = node->kind().toUnqualString();
    std::vector<int64_t> kernel(p.weight.sizes().begin() + 2, p.weight.sizes().end());
    if (kind.find("1d") != std::string::npos && p.weight.dim() == 4) {
      w = emit_squeeze(ctx, w, {2});
      spatial = 1;
      kernel = {kernel.back()};
      auto last = [](std::vector<int64_t>& v) {
        if (v.size() > 1) v = {v.back()};
      };
      last(p.stride);
      last(p.padding);
      last(p.dilation);
      last(p.output_padding);
    }
    std::vector<std::string> inputs{x, w};
    if (p.bias) inputs.push_back(ctx.add_initializer(p.bias->to(at::kFloat), "bias"));
    std::string y = ctx.fresh("conv");
    auto& n = ctx.add_node(p.transpose ? "ConvTranspose" : "Conv", inputs, {y});
    set_attr(n, "kernel_shape", kernel);
    auto per = [&](std::vector<int64_t> v) {
      if (v.size() == 1 && spatial > 1) v.assign(spatial, v[0]);
      return v;
    };
    set_attr(n, "strides", per(p.stride));
    set_attr(n, "pads", symmetric_pads(per(p.padding)));
    set_attr(n, "dilations", per(p.dilation));
    set_attr(n, "group", p.groups);
    if (p.transpose) set_attr(n, "output_padding", per(p.output_padding));
    if (relu) y = emit(ctx, "Relu", {y}, "relu");
    quantize(ctx, y, out, ctx.out(node->output(), "quantized_conv"));
  };
}

// quantized::linear[_relu](qx, packed, output_scale, output_zero_point)
Converter quantized_linear(bool relu) {
  return [relu](ExportContext& ctx, const Node* node, const Args& a) {
    auto [w, bias] = unpack_linear(ctx, node, a.value(1));
    QuantInfo out = output_qparams(ctx, node, a, 2, a.value(0));
    std::string x = float_of(ctx, a.value(0));
    std::string wt = emit_transpose(ctx, weight_dq(ctx, node, w), {1, 0});
    std::string y = emit(ctx, "MatMul", {x, wt}, "matmul");
    if (bias) y = emit(ctx, "Add", {y, ctx.add_initializer(bias->to(at::kFloat), "bias")}, "linear");
    if (relu) y = emit(ctx, "Relu", {y}, "relu");
    quantize(ctx, y, out, ctx.out(node->output(), "quantized_linear"));
  };
}

// quantized::add / mul[_relu](qa, qb, scale, zero_point)
Converter quantized_binary(const char* op, bool relu) {
  return [op, relu](ExportContext& ctx, const Node* node, const Args& a) {
    QuantInfo out = output_qparams(ctx, node, a, 2, a.value(0));
    std::string y = emit(ctx, op, {float_of(ctx, a.value(0)), float_of(ctx, a.value(1))}, op);
    if (relu) y = emit(ctx, "Relu", {y}, "relu");
    quantize(ctx, y, out, ctx.out(node->output(), "quantized"));
  };
}

// quantized::add.Scalar / mul.Scalar(qa, b): LibTorch keeps the input's parameters for mul and
// shifts the zero point for add; computed in float and quantized with the input's parameters
// (a clamp at the range ends is what LibTorch does too).
Converter quantized_scalar(const char* op, bool relu) {
  return [op, relu](ExportContext& ctx, const Node* node, const Args& a) {
    const auto& q = quant_or_fail(ctx, node, a.value(0));
    std::string x = float_of(ctx, a.value(0));
    std::string y = emit(ctx, op, {x, operand(ctx, a.value(1), onnx::TensorProto_DataType_FLOAT)}, op);
    if (relu) y = emit(ctx, "Relu", {y}, "relu");
    quantize(ctx, y, q, ctx.out(node->output(), "quantized"));
  };
}

// quantized::cat(qx list, dim, scale?, zero_point?)
void quantized_cat(ExportContext& ctx, const Node* node, const Args& a) {
  auto elems = a.tensors(0);
  if (elems.empty()) unsupported(node, "cat of an empty list");
  QuantInfo out = a.opt_f(2) && a.opt_i(3) ? static_qparams(ctx, *a.opt_f(2), *a.opt_i(3), quant_type_of(ctx, quant_or_fail(ctx, node, elems[0])))
                                          : quant_or_fail(ctx, node, elems[0]);
  std::vector<std::string> parts;
  for (const Value* e : elems) parts.push_back(float_of(ctx, e));
  auto& c = ctx.add_node("Concat", parts, {ctx.fresh("concat")});
  set_attr(c, "axis", a.i(1));
  quantize(ctx, c.output(0), out, ctx.out(node->output(), "quantized_cat"));
}

// quantized::hardswish / sigmoid(qx, output_scale, output_zero_point)
Converter quantized_unary(const char* op) {
  return [op](ExportContext& ctx, const Node* node, const Args& a) {
    QuantInfo out = output_qparams(ctx, node, a, 1, a.value(0));
    std::string y = emit(ctx, op, {float_of(ctx, a.value(0))}, op);
    quantize(ctx, y, out, ctx.out(node->output(), "quantized"));
  };
}

void quantized_hardswish_13(ExportContext& ctx, const Node* node, const Args& a) {
  QuantInfo out = output_qparams(ctx, node, a, 1, a.value(0));
  std::string x = float_of(ctx, a.value(0));
  auto& hs = ctx.add_node("HardSigmoid", {x}, {ctx.fresh("hardsigmoid")});
  set_attr(hs, "alpha", 1.0 / 6.0);
  set_attr(hs, "beta", 0.5);
  quantize(ctx, emit(ctx, "Mul", {x, hs.output(0)}, "hardswish"), out, ctx.out(node->output(), "quantized"));
}

// quantized::leaky_relu(qx, negative_slope, inplace, output_scale, output_zero_point)
void quantized_leaky_relu(ExportContext& ctx, const Node* node, const Args& a) {
  QuantInfo out = output_qparams(ctx, node, a, 3, a.value(0));
  auto& n = ctx.add_node("LeakyRelu", {float_of(ctx, a.value(0))}, {ctx.fresh("leaky_relu")});
  set_attr(n, "alpha", a.f(1));
  quantize(ctx, n.output(0), out, ctx.out(node->output(), "quantized"));
}

// quantized::layer_norm(qx, shape, w?, b?, eps, scale, zp) / group_norm(qx, groups, w?, b?, eps,
// scale, zp) / instance_norm(qx, w?, b?, eps, scale, zp) / batch_norm{1,2,3}d[_relu](qx, w, b,
// mean, var, eps, scale, zp): the float normalization between QDQ.
std::string normalized(ExportContext& ctx, const Node* node, const std::string& x, const std::string& op,
                       const std::vector<std::string>& inputs, double eps, std::optional<int64_t> axis) {
  std::vector<std::string> all{x};
  all.insert(all.end(), inputs.begin(), inputs.end());
  std::string y = ctx.fresh("norm");
  auto& n = ctx.add_node(op, all, {y});
  set_attr(n, "epsilon", eps);
  if (axis) set_attr(n, "axis", *axis);
  (void)node;
  return y;
}

void quantized_layer_norm(ExportContext& ctx, const Node* node, const Args& a) {
  QuantInfo out = output_qparams(ctx, node, a, 5, a.value(0));
  const auto& shape = a.ints(1);
  std::string x = float_of(ctx, a.value(0));
  std::string w = or_make(a.opt_tensor(2), [&] { return ctx.add_initializer(at::ones(shape), "ln_weight"); });
  std::vector<std::string> inputs{w};
  if (auto b = a.opt_tensor(3)) inputs.push_back(*b);
  if (ctx.opset() < 17) unsupported(node, "a quantized layer_norm needs opset 17 (LayerNormalization)");
  std::string y = normalized(ctx, node, x, "LayerNormalization", inputs, a.f(4), -static_cast<int64_t>(shape.size()));
  quantize(ctx, y, out, ctx.out(node->output(), "quantized_layer_norm"));
}

void quantized_batch_norm_impl(ExportContext& ctx, const Node* node, const Args& a, bool relu) {
  QuantInfo out = output_qparams(ctx, node, a, 6, a.value(0));
  std::string y = normalized(ctx, node, float_of(ctx, a.value(0)), "BatchNormalization",
                             {a.tensor(1), a.tensor(2), a.tensor(3), a.tensor(4)}, a.f(5), std::nullopt);
  if (relu) y = emit(ctx, "Relu", {y}, "relu");
  quantize(ctx, y, out, ctx.out(node->output(), "quantized_batch_norm"));
}
void quantized_batch_norm(ExportContext& c, const Node* n, const Args& a) { quantized_batch_norm_impl(c, n, a, false); }
void quantized_batch_norm_relu(ExportContext& c, const Node* n, const Args& a) { quantized_batch_norm_impl(c, n, a, true); }

// group_norm / instance_norm: x as [N, G, −1] through InstanceNormalization, then the affine.
void grouped_norm(ExportContext& ctx, const Node* node, const Args& a, int64_t groups_arg, size_t w_arg, size_t eps_arg,
                  size_t scale_arg) {
  QuantInfo out = output_qparams(ctx, node, a, scale_arg, a.value(0));
  std::string x = float_of(ctx, a.value(0));
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  auto dims = ctx.dims_of(a.value(0));
  int64_t groups = groups_arg;
  if (groups <= 0) {  // instance norm: one group per channel
    if (!dims || dims->size() < 2 || (*dims)[1] < 0) unsupported(node, "the channel count must be static");
    groups = (*dims)[1];
  }
  std::string g = emit(ctx, "Reshape", {x, ctx.add_int64s({0, groups, -1}, "group_shape")}, "grouped");
  auto& n = ctx.add_node("InstanceNormalization", {g, ctx.add_initializer(at::ones({groups}), "scale"), ctx.add_initializer(at::zeros({groups}), "bias")},
                         {ctx.fresh("normalized")});
  set_attr(n, "epsilon", a.f(eps_arg));
  std::string y = emit_reshape_like(ctx, n.output(0), x, "ungrouped");
  std::vector<int64_t> view{-1};
  for (int64_t i = 2; i < rank; ++i) view.push_back(1);
  if (auto w = a.opt_tensor(w_arg)) y = emit(ctx, "Mul", {y, emit(ctx, "Reshape", {*w, ctx.add_int64s(view, "view")}, "w")}, "scaled");
  if (auto b = a.opt_tensor(w_arg + 1)) y = emit(ctx, "Add", {y, emit(ctx, "Reshape", {*b, ctx.add_int64s(view, "view")}, "b")}, "shifted");
  quantize(ctx, y, out, ctx.out(node->output(), "quantized_norm"));
}
void quantized_group_norm(ExportContext& c, const Node* n, const Args& a) { grouped_norm(c, n, a, a.i(1), 2, 4, 5); }
void quantized_instance_norm(ExportContext& c, const Node* n, const Args& a) { grouped_norm(c, n, a, 0, 1, 3, 4); }

void linear_dynamic(ExportContext& ctx, const Node* node, const Args& a, bool relu) {
  auto [w, bias] = unpack_linear(ctx, node, a.value(1));
  if (w.scalar_type() != at::kQInt8) unsupported(node, "only qint8 weights are supported");
  std::string x = a.tensor(0);
  std::string xq = ctx.fresh("x_quant"), xs = ctx.fresh("x_scale"), xz = ctx.fresh("x_zero_point");
  ctx.add_node("DynamicQuantizeLinear", {x}, {xq, xs, xz});
  std::string wt = ctx.add_initializer(w.int_repr().t(), "weight_int8_t");
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

// The fixed output parameters LibTorch's quantized kernels give some ops (sigmoid's range is
// [0, 1]: scale 1/256, zero point 0 for quint8).
std::optional<QuantInfo> fixed_output_qparams(ExportContext& ctx, const Node* node, int32_t t) {
  std::string k = node->kind().toQualString();
  bool u8 = t == onnx::TensorProto_DataType_UINT8;
  if (k == "aten::sigmoid" || k == "aten::hardsigmoid" || k == "aten::softmax")
    return static_qparams(ctx, 1.0 / 256.0, u8 ? 0 : -128, t);
  if (k == "aten::tanh") return static_qparams(ctx, 2.0 / 256.0, u8 ? 128 : 0, t);
  return std::nullopt;
}

}  // namespace

void convert_with_dequantized_inputs(ExportContext& ctx, const Node* node, const Args& args, const Converter& convert) {
  // The first quantized input's parameters carry over to the outputs.
  const QuantInfo* first = nullptr;
  std::vector<std::pair<const Value*, std::string>> restore;
  for (const Value* v : node->inputs()) {
    const auto* q = ctx.quant_of(v);
    if (q == nullptr) continue;
    if (first == nullptr) first = q;
    std::string name = ctx.in(v);
    if (std::find_if(restore.begin(), restore.end(), [&](const auto& r) { return r.first == v; }) != restore.end()) continue;
    restore.emplace_back(v, name);
    ctx.bind(v, dequantize(ctx, name, *q));
  }
  QuantInfo params = *first;
  int32_t t = quant_type_of(ctx, params);
  convert(ctx, node, args);
  for (const auto& [v, name] : restore) ctx.bind(v, name);
  if (auto fixed = fixed_output_qparams(ctx, node, t)) params = *fixed;
  auto requantize = [&](const Value* o) {
    if (!ctx.is_bound(o)) return;
    std::string y = ctx.in(o);
    auto et = ctx.elem_type_of(y);
    if (et && !is_floating(*et)) return;  // indices (max_pool's, argmax) stay integers
    ctx.bind(o, quantize(ctx, y, params, ctx.fresh("requantized")));
  };
  for (const Value* o : node->outputs()) {
    if (o->type()->kind() == c10::TypeKind::TensorType) {
      requantize(o);
    } else if (o->type()->kind() == c10::TypeKind::ListType) {  // chunk, split, unbind of a quantized tensor
      if (auto elems = ctx.list_elements(o))
        for (const Value* e : *elems) requantize(e);
    }
  }
}

void register_quantized_ops(OpRegistry& r) {
  r.add("aten::quantize_per_tensor", "v f i i", quantize_per_tensor, "QuantizeLinear", kQuantized);
  r.add("aten::quantize_per_tensor.tensor_qparams", "v v v i", quantize_per_tensor, "QuantizeLinear", kQuantized);
  r.add("aten::quantize_per_channel", "v v v i i", quantize_per_channel, "QuantizeLinear (per axis)", kQuantized);
  r.add("aten::quantize_per_tensor.tensors", "vs v v i", quantize_per_tensor_list, "QuantizeLinear per tensor", kQuantized);
  r.add("aten::dequantize.self|aten::dequantize.tensor|aten::dequantize", "v", dequantize_op, "DequantizeLinear", kQuantized);
  r.add("aten::dequantize.tensors|aten::dequantize.list", "vs", dequantize_list, "DequantizeLinear per tensor", kQuantized);
  r.add("aten::int_repr", "v", int_repr, "nothing (the integer tensor)", kQuantized);
  r.add("aten::fake_quantize_per_tensor_affine|aten::fake_quantize_per_tensor_affine.tensor_qparams", "v x x i i",
        fake_quantize_per_tensor, "QuantizeLinear + DequantizeLinear (uint8/int8 ranges) or the float formula");
  r.add("aten::fake_quantize_per_channel_affine", "v v v i i i", fake_quantize_per_channel,
        "QuantizeLinear + DequantizeLinear per axis (uint8/int8 ranges) or the float formula");
  const char* conv = "v any f i";
  r.add("quantized::conv1d|quantized::conv2d.new|quantized::conv3d.new|quantized::conv_transpose1d|quantized::conv_transpose2d|"
        "quantized::conv_transpose3d",
        conv, quantized_conv(false), "DequantizeLinear + Conv/ConvTranspose + QuantizeLinear", kQuantized);
  r.add("quantized::conv1d_relu|quantized::conv2d_relu.new|quantized::conv3d_relu.new", conv, quantized_conv(true),
        "DequantizeLinear + Conv + Relu + QuantizeLinear", kQuantized);
  r.add("quantized::linear", "v any f i", quantized_linear(false), "DequantizeLinear + MatMul + Add + QuantizeLinear", kQuantized);
  r.add("quantized::linear_relu", "v any f i", quantized_linear(true), "DequantizeLinear + MatMul + Add + Relu + QuantizeLinear",
        kQuantized);
  r.add("quantized::add", "v v f i", quantized_binary("Add", false), "DequantizeLinear + Add + QuantizeLinear", kQuantized);
  r.add("quantized::add_relu", "v v f i", quantized_binary("Add", true), "DequantizeLinear + Add + Relu + QuantizeLinear", kQuantized);
  r.add("quantized::mul", "v v f i", quantized_binary("Mul", false), "DequantizeLinear + Mul + QuantizeLinear", kQuantized);
  r.add("quantized::mul_relu", "v v f i", quantized_binary("Mul", true), "DequantizeLinear + Mul + Relu + QuantizeLinear", kQuantized);
  r.add("quantized::add.Scalar|quantized::add_scalar", "v x", quantized_scalar("Add", false), "DequantizeLinear + Add + QuantizeLinear",
        kQuantized);
  r.add("quantized::mul.Scalar|quantized::mul_scalar", "v x", quantized_scalar("Mul", false), "DequantizeLinear + Mul + QuantizeLinear",
        kQuantized);
  r.add("quantized::cat", "vs i f? i?", quantized_cat, "DequantizeLinear + Concat + QuantizeLinear", kQuantized);
  r.add("quantized::hardswish", "v f i", quantized_hardswish_13, "DequantizeLinear + x·HardSigmoid(x) + QuantizeLinear", kQuantized);
  r.add("quantized::hardswish", "v f i", quantized_unary("HardSwish"), "DequantizeLinear + HardSwish + QuantizeLinear",
        {.since = 14, .quantized = true});
  r.add("quantized::sigmoid", "v f i", quantized_unary("Sigmoid"), "DequantizeLinear + Sigmoid + QuantizeLinear", kQuantized);
  r.add("quantized::leaky_relu", "v f b f i", quantized_leaky_relu, "DequantizeLinear + LeakyRelu + QuantizeLinear", kQuantized);
  r.add("quantized::layer_norm", "v is v? v? f f i", quantized_layer_norm, "DequantizeLinear + LayerNormalization + QuantizeLinear",
        kQuantized);
  r.add("quantized::group_norm", "v i v? v? f f i", quantized_group_norm,
        "DequantizeLinear + InstanceNormalization (groups) + QuantizeLinear", kQuantized);
  r.add("quantized::instance_norm", "v v? v? f f i", quantized_instance_norm,
        "DequantizeLinear + InstanceNormalization + QuantizeLinear", kQuantized);
  r.add("quantized::batch_norm|quantized::batch_norm1d|quantized::batch_norm2d|quantized::batch_norm3d", "v v v v v f f i",
        quantized_batch_norm, "DequantizeLinear + BatchNormalization + QuantizeLinear", kQuantized);
  r.add("quantized::batch_norm1d_relu|quantized::batch_norm2d_relu|quantized::batch_norm3d_relu", "v v v v v f f i",
        quantized_batch_norm_relu, "DequantizeLinear + BatchNormalization + Relu + QuantizeLinear", kQuantized);
  r.add("quantized::linear_dynamic", "v any b", linear_dynamic_plain, "DynamicQuantizeLinear + MatMulInteger + rescale (+ Add)");
  r.add("quantized::linear_relu_dynamic", "v any b", linear_relu_dynamic,
        "DynamicQuantizeLinear + MatMulInteger + rescale (+ Add) + Relu");
}

}  // namespace kiln
