// Recurrent layers: aten::lstm / gru / rnn_tanh / rnn_relu (nn.LSTM, nn.GRU, nn.RNN, traced or
// scripted) → one ONNX LSTM / GRU / RNN per layer. The gates are reordered (LibTorch i,f,g,o →
// ONNX i,o,f,c; r,z,n → z,r,h), GRU keeps PyTorch's reset-after-matmul (linear_before_reset=1),
// batch_first becomes Transposes, and each layer's [seq, dirs, batch, H] output is laid out as
// [seq, batch, dirs·H] for the next. The single-step cells (lstm_cell, gru_cell, rnn_*_cell)
// become their MatMul/Sigmoid/Tanh formulas.
#include <ATen/ATen.h>

#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"

namespace kiln {

namespace {

std::vector<at::Tensor> weights(ExportContext& ctx, const Node* node, const Args& a, size_t arg) {
  std::vector<at::Tensor> out;
  for (const Value* e : a.tensors(arg)) {
    auto t = ctx.const_tensor(e);
    if (!t) unsupported(node, "the recurrent weights are not constants");
    out.push_back(*t);
  }
  return out;
}

// Rows of a [G·H, ...] gate-stacked tensor in a new gate order.
at::Tensor reorder(const at::Tensor& t, const std::vector<int64_t>& order) {
  auto chunks = t.chunk(static_cast<int64_t>(order.size()), 0);
  std::vector<at::Tensor> parts;
  for (auto i : order) parts.push_back(chunks[static_cast<size_t>(i)]);
  return at::cat(parts, 0);
}

std::string slice0(ExportContext& ctx, const std::string& x, int64_t start, int64_t end) {
  std::string out = ctx.fresh("state");
  ctx.add_node("Slice", {x, ctx.add_int64s({start}, "starts"), ctx.add_int64s({end}, "ends"), ctx.add_int64s({0}, "axes")},
               {out});
  return out;
}

enum class Cell { LSTM, GRU, RNN_TANH, RNN_RELU };

// lstm(input, hx[h0, c0], params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
// gru / rnn_tanh / rnn_relu(input, h0, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
// `packed`: the .data overload (data, batch_sizes, hx, params, ...; no batch_first) of a packed
// sequence, whose lengths become ONNX's sequence_lens.
void recurrent(ExportContext& ctx, const Node* node, const Args& a, Cell cell, bool packed) {
  bool lstm = cell == Cell::LSTM, gru = cell == Cell::GRU;
  size_t k = packed ? 1 : 0;  // the .data overload has batch_sizes after the data
  bool has_biases = a.b(3 + k);
  int64_t layers = a.i(4 + k);
  if (a.b(6 + k)) unsupported(node, "training mode (call eval() before saving)");
  bool bidirectional = a.b(7 + k);
  bool batch_first = packed ? false : a.b(8);
  int64_t dirs = bidirectional ? 2 : 1;
  auto params = weights(ctx, node, a, 2 + k);
  std::string seq_lens;
  if (packed) {
    auto lengths = ctx.packed_lengths(a.value(0));
    if (!lengths) unsupported(node, "packed data kiln did not see packed (pack_padded_sequence)");
    seq_lens = emit_cast(ctx, *lengths, onnx::TensorProto_DataType_INT32);
  }
  size_t per = has_biases ? 4 : 2;
  if (params.size() != per * static_cast<size_t>(layers * dirs)) unsupported(node, "projections (proj_size) are not supported");
  int64_t gates = lstm ? 4 : gru ? 3 : 1;
  int64_t hidden = params[1].size(1);
  std::vector<int64_t> order = lstm ? std::vector<int64_t>{0, 3, 1, 2} : gru ? std::vector<int64_t>{1, 0, 2} : std::vector<int64_t>{0};

  std::string h0, c0;
  if (lstm) {
    auto hx = a.tensors(1 + k);
    if (hx.size() != 2) unsupported(node, "the initial state is not an (h0, c0) pair");
    h0 = ctx.in(hx[0]);
    c0 = ctx.in(hx[1]);
  } else {
    h0 = a.tensor(1 + k);
  }
  std::string x = a.tensor(0);
  if (batch_first) x = emit_transpose(ctx, x, {1, 0, 2});
  std::vector<std::string> h_n, c_n;
  for (int64_t l = 0; l < layers; ++l) {
    std::vector<at::Tensor> w, r, b;
    for (int64_t d = 0; d < dirs; ++d) {
      size_t base = per * static_cast<size_t>(l * dirs + d);
      w.push_back(reorder(params[base], order));
      r.push_back(reorder(params[base + 1], order));
      if (has_biases) b.push_back(at::cat({reorder(params[base + 2], order), reorder(params[base + 3], order)}));
      else b.push_back(at::zeros({2 * gates * hidden}, params[base].options()));
    }
    const char* op = lstm ? "LSTM" : gru ? "GRU" : "RNN";
    std::string y = ctx.fresh("rnn_y"), yh = ctx.fresh("h_n"), yc = ctx.fresh("c_n");
    std::vector<std::string> inputs{x, ctx.add_initializer(at::stack(w), "rnn_w"), ctx.add_initializer(at::stack(r), "rnn_r"),
                                    ctx.add_initializer(at::stack(b), "rnn_b"), seq_lens, slice0(ctx, h0, l * dirs, (l + 1) * dirs)};
    if (lstm) inputs.push_back(slice0(ctx, c0, l * dirs, (l + 1) * dirs));
    std::vector<std::string> outputs{y, yh};
    if (lstm) outputs.push_back(yc);
    auto& n = ctx.add_node(op, inputs, outputs);
    set_attr(n, "hidden_size", hidden);
    set_attr(n, "direction", std::string(bidirectional ? "bidirectional" : "forward"));
    if (gru) set_attr(n, "linear_before_reset", int64_t{1});
    if (cell == Cell::RNN_TANH || cell == Cell::RNN_RELU) {
      auto* acts = n.add_attribute();
      acts->set_name("activations");
      acts->set_type(onnx::AttributeProto::STRINGS);
      for (int64_t d = 0; d < dirs; ++d) acts->add_strings(cell == Cell::RNN_TANH ? "Tanh" : "Relu");
    }
    // [seq, dirs, batch, H] → [seq, batch, dirs·H]
    std::string t = emit_transpose(ctx, y, {0, 2, 1, 3});
    std::string flat = ctx.fresh("rnn_out");
    ctx.add_node("Reshape", {t, ctx.add_int64s({0, 0, -1}, "shape")}, {flat});
    x = flat;
    h_n.push_back(yh);
    if (lstm) c_n.push_back(yc);
  }
  if (batch_first) x = emit_transpose(ctx, x, {1, 0, 2});
  ctx.bind(node->output(0), x);
  if (packed) ctx.mark_packed(x, *ctx.packed_lengths(a.value(0)));
  auto concat = [&](const std::vector<std::string>& parts, const Value* out) {
    auto& n = ctx.add_node("Concat", parts, {ctx.out(out, "state")});
    set_attr(n, "axis", int64_t{0});
  };
  concat(h_n, node->output(1));
  if (lstm) concat(c_n, node->output(2));
}

// x·Wᵀ (+ b): the weight transposed at export when it is a constant.
std::string affine_map(ExportContext& ctx, const Args& a, size_t x_arg, const std::string& x, size_t w_arg, size_t b_arg) {
  (void)x_arg;
  std::string wt;
  if (auto w = ctx.const_tensor(a.value(w_arg))) wt = ctx.add_initializer(w->t(), "cell_w_t");
  else wt = emit_transpose(ctx, a.tensor(w_arg), {1, 0});
  std::string y = emit(ctx, "MatMul", {x, wt}, "cell_mm");
  if (auto b = a.opt_tensor(b_arg)) y = emit(ctx, "Add", {y, *b}, "cell_bias");
  return y;
}

std::vector<std::string> split_gates(ExportContext& ctx, const std::string& x, int64_t n) {
  std::vector<std::string> outs;
  for (int64_t i = 0; i < n; ++i) outs.push_back(ctx.fresh("gate"));
  auto& s = ctx.add_node("Split", {x}, outs);
  set_attr(s, "axis", int64_t{-1});
  if (ctx.opset() >= 18) set_attr(s, "num_outputs", n);
  return outs;
}

// lstm_cell(input, [h, c], w_ih, w_hh, b_ih?, b_hh?) → (h', c'), gates i, f, g, o
void lstm_cell(ExportContext& ctx, const Node* node, const Args& a) {
  auto hx = a.tensors(1);
  if (hx.size() != 2) unsupported(node, "the state is not an (h, c) pair");
  std::string h = ctx.in(hx[0]), c = ctx.in(hx[1]);
  std::string gi = affine_map(ctx, a, 0, a.tensor(0), 2, 4), gh = affine_map(ctx, a, 1, h, 3, 5);
  auto g = split_gates(ctx, emit(ctx, "Add", {gi, gh}, "gates"), 4);
  std::string i = emit(ctx, "Sigmoid", {g[0]}, "i"), f = emit(ctx, "Sigmoid", {g[1]}, "f");
  std::string cand = emit(ctx, "Tanh", {g[2]}, "g"), o = emit(ctx, "Sigmoid", {g[3]}, "o");
  std::string c2 = emit(ctx, "Add", {emit(ctx, "Mul", {f, c}, "fc"), emit(ctx, "Mul", {i, cand}, "ig")}, "c", ctx.out(node->output(1), "c"));
  ctx.add_node("Mul", {o, emit(ctx, "Tanh", {c2}, "tanh_c")}, {ctx.out(node->output(0), "h")});
}

// gru_cell(input, h, w_ih, w_hh, b_ih?, b_hh?) → h', gates r, z, n
void gru_cell(ExportContext& ctx, const Node* node, const Args& a) {
  std::string h = a.tensor(1);
  auto gi = split_gates(ctx, affine_map(ctx, a, 0, a.tensor(0), 2, 4), 3);
  auto gh = split_gates(ctx, affine_map(ctx, a, 1, h, 3, 5), 3);
  std::string r = emit(ctx, "Sigmoid", {emit(ctx, "Add", {gi[0], gh[0]}, "r_in")}, "r");
  std::string z = emit(ctx, "Sigmoid", {emit(ctx, "Add", {gi[1], gh[1]}, "z_in")}, "z");
  std::string n = emit(ctx, "Tanh", {emit(ctx, "Add", {gi[2], emit(ctx, "Mul", {r, gh[2]}, "r_hn")}, "n_in")}, "n");
  // h' = n + z·(h − n)
  std::string d = emit(ctx, "Mul", {z, emit(ctx, "Sub", {h, n}, "h_minus_n")}, "z_d");
  ctx.add_node("Add", {n, d}, {ctx.out(node->output(), "h")});
}

// rnn_tanh_cell / rnn_relu_cell(input, h, w_ih, w_hh, b_ih?, b_hh?) → act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)
Converter rnn_cell(const char* act) {
  return [act](ExportContext& ctx, const Node* node, const Args& a) {
    std::string s = emit(ctx, "Add", {affine_map(ctx, a, 0, a.tensor(0), 2, 4), affine_map(ctx, a, 1, a.tensor(1), 3, 5)}, "pre");
    ctx.add_node(act, {s}, {ctx.out(node->output(), act)});
  };
}

Converter layer(Cell cell, bool packed = false) {
  return [cell, packed](ExportContext& c, const Node* n, const Args& a) { recurrent(c, n, a, cell, packed); };
}

// _pack_padded_sequence(input, lengths, batch_first) → (data, batch_sizes): the data stays padded
// and time-major, remembered with its lengths; batch_sizes is what LibTorch computes (the number
// of sequences longer than t, for t < the longest), which code reads (`batch_sizes[0]`).
void pack_padded_sequence(ExportContext& ctx, const Node* node, const Args& a) {
  std::string x = a.tensor(0);
  if (a.b(2)) {
    int64_t rank = rank_or_fail(ctx, node, a.value(0));
    std::vector<int64_t> perm{1, 0};
    for (int64_t i = 2; i < rank; ++i) perm.push_back(i);
    x = emit_transpose(ctx, x, perm);
  }
  std::string lengths = emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_INT64);
  std::string data = emit(ctx, "Identity", {x}, "packed");
  ctx.bind(node->output(0), data);
  ctx.mark_packed(data, lengths);
  std::string longest = emit_reduce(ctx, "ReduceMax", lengths, {0}, false);
  std::string t = emit(ctx, "Range", {ctx.add_int64s({0}, "zero", true), longest, ctx.add_int64s({1}, "one", true)}, "steps");
  std::string alive = emit(ctx, "Greater", {emit_unsqueeze(ctx, lengths, {0}), emit_unsqueeze(ctx, t, {1})}, "alive");
  emit_reduce(ctx, "ReduceSum", emit_cast(ctx, alive, onnx::TensorProto_DataType_INT64), {1}, false, ctx.out(node->output(1), "batch_sizes"));
}

// _pad_packed_sequence(data, batch_sizes, batch_first, padding_value, total_length) → (padded,
// lengths): the time dim cut to the longest sequence (or total_length), padding_value past each
// sequence's end.
void pad_packed_sequence(ExportContext& ctx, const Node* node, const Args& a) {
  auto lengths = ctx.packed_lengths(a.value(0));
  if (!lengths) unsupported(node, "packed data kiln did not see packed (pack_padded_sequence)");
  std::string x = a.tensor(0);
  int64_t rank = rank_or_fail(ctx, node, a.value(0));
  std::string steps;
  // total_length as the scripted pad_packed_sequence passes it when none is given:
  // batch_sizes.size(0), the longest sequence, computed at run time (Tacotron2's encoder)
  const bool dynamic_total = !a.int_is_static(4);
  if (dynamic_total || a.i(4) > 0) {
    // longer than the data: padded out with zeros, masked below
    std::string total_1d = dynamic_total ? emit_unsqueeze(ctx, a.dyn_int(4), {0}) : ctx.add_int64s({a.i(4)}, "total");
    std::string t_now = emit_dim(ctx, x, 0);
    std::string extra = emit(ctx, "Max", {emit(ctx, "Sub", {total_1d, t_now}, "extra"), ctx.add_int64s({0}, "zero")},
                             "extra");
    std::vector<std::string> pad_parts{ctx.add_int64s({0}, "zero")};
    pad_parts.push_back(ctx.add_int64s(std::vector<int64_t>(static_cast<size_t>(rank - 1), 0), "zeros"));
    pad_parts.push_back(extra);
    pad_parts.push_back(ctx.add_int64s(std::vector<int64_t>(static_cast<size_t>(rank - 1), 0), "zeros"));
    auto& c = ctx.add_node("Concat", pad_parts, {ctx.fresh("pads")});
    set_attr(c, "axis", int64_t{0});
    x = emit(ctx, "Pad", {x, c.output(0)}, "padded");
    steps = total_1d;
  } else {
    steps = emit_unsqueeze(ctx, emit_reduce(ctx, "ReduceMax", *lengths, {0}, false), {0});
  }
  x = emit(ctx, "Slice", {x, ctx.add_int64s({0}, "starts"), steps, ctx.add_int64s({0}, "axes")}, "cut");
  std::string t = emit(ctx, "Range", {ctx.add_int64s({0}, "zero", true), emit(ctx, "Squeeze", {steps, ctx.add_int64s({0}, "axes")}, "n"),
                                      ctx.add_int64s({1}, "one", true)},
                       "steps");
  std::string alive = emit(ctx, "Less", {emit_unsqueeze(ctx, t, {1}), emit_unsqueeze(ctx, *lengths, {0})}, "alive");  // [T, B]
  std::vector<int64_t> tail;
  for (int64_t i = 2; i < rank; ++i) tail.push_back(i);
  if (!tail.empty()) alive = emit_unsqueeze(ctx, alive, tail);
  std::string value = operand(ctx, a.value(3), type_or_float(ctx, x));
  std::string y = emit(ctx, "Where", {alive, x, value}, "unpacked");
  if (a.b(2)) {
    std::vector<int64_t> perm{1, 0};
    for (int64_t i = 2; i < rank; ++i) perm.push_back(i);
    y = emit_transpose(ctx, y, perm);
  }
  ctx.bind(node->output(0), y);
  ctx.bind(node->output(1), *lengths);
}

}  // namespace

void register_recurrent_ops(OpRegistry& r) {
  const char* spec = "v v vs b i f b b b";
  r.add("aten::lstm.input", "v vs vs b i f b b b", layer(Cell::LSTM), "LSTM per layer (gates i,o,f,c) + Transpose/Reshape");
  r.add("aten::gru.input", spec, layer(Cell::GRU), "GRU per layer (gates z,r,h; linear_before_reset) + Transpose/Reshape");
  r.add("aten::rnn_tanh.input", spec, layer(Cell::RNN_TANH), "RNN (Tanh) per layer + Transpose/Reshape");
  r.add("aten::rnn_relu.input", spec, layer(Cell::RNN_RELU), "RNN (Relu) per layer + Transpose/Reshape");
  r.add("aten::lstm.data", "v v vs vs b i f b b", layer(Cell::LSTM, true), "LSTM per layer with sequence_lens (a packed sequence)");
  r.add("aten::gru.data", "v v v vs b i f b b", layer(Cell::GRU, true), "GRU per layer with sequence_lens (a packed sequence)");
  r.add("aten::rnn_tanh.data", "v v v vs b i f b b", layer(Cell::RNN_TANH, true), "RNN (Tanh) with sequence_lens (a packed sequence)");
  r.add("aten::rnn_relu.data", "v v v vs b i f b b", layer(Cell::RNN_RELU, true), "RNN (Relu) with sequence_lens (a packed sequence)");
  r.add("aten::_pack_padded_sequence", "v v b", pack_padded_sequence, "Transpose (batch first) + the batch sizes from the lengths");
  r.add("aten::_pad_packed_sequence", "v v b x id", pad_packed_sequence, "Slice to the longest + Where(padding) (+ Transpose)");
  r.add("aten::lstm_cell", "v vs v v v? v?", lstm_cell, "MatMul + Add + Split + Sigmoid/Tanh");
  r.add("aten::gru_cell", "v v v v v? v?", gru_cell, "MatMul + Add + Split + Sigmoid/Tanh");
  r.add("aten::rnn_tanh_cell", "v v v v v? v?", rnn_cell("Tanh"), "MatMul + Add + Tanh");
  r.add("aten::rnn_relu_cell", "v v v v v? v?", rnn_cell("Relu"), "MatMul + Add + Relu");
}

}  // namespace kiln
