// aten::lstm / aten::gru (nn.LSTM, nn.GRU, traced or scripted) → one ONNX LSTM / GRU per layer.
// The gates are reordered (LibTorch i,f,g,o → ONNX i,o,f,c; r,z,n → z,r,h), GRU keeps PyTorch's
// reset-after-matmul (linear_before_reset=1), batch_first becomes Transposes, and each layer's
// [seq, dirs, batch, H] output is laid out as [seq, batch, dirs·H] for the next.
#include <ATen/ATen.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"

namespace kiln {

namespace {

std::vector<at::Tensor> weights(ExportContext& ctx, const Node* node, const Value* list) {
  if (ctx.is_static(list)) return ctx.constant(list).toTensorVector();
  auto elems = ctx.list_elements(list);
  if (!elems) unsupported(node, "the recurrent weights are not constants");
  std::vector<at::Tensor> out;
  for (const Value* e : *elems) {
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

// lstm(input, hx[h0, c0], params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
// gru(input, h0, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
void recurrent(ExportContext& ctx, const Node* node, bool lstm) {
  const auto* schema = node->maybeSchema();
  if (schema == nullptr || schema->overload_name() != "input") unsupported(node, "packed sequences");
  bool has_biases = ctx.const_bool(node->input(3));
  int64_t layers = ctx.const_int(node->input(4));
  if (ctx.const_bool(node->input(6))) unsupported(node, "training mode (call eval() before saving)");
  bool bidirectional = ctx.const_bool(node->input(7));
  bool batch_first = ctx.const_bool(node->input(8));
  int64_t dirs = bidirectional ? 2 : 1;
  auto params = weights(ctx, node, node->input(2));
  size_t per = has_biases ? 4 : 2;
  if (params.size() != per * static_cast<size_t>(layers * dirs)) unsupported(node, "projections (proj_size) are not supported");
  int64_t gates = lstm ? 4 : 3;
  int64_t hidden = params[1].size(1);
  std::vector<int64_t> order = lstm ? std::vector<int64_t>{0, 3, 1, 2} : std::vector<int64_t>{1, 0, 2};

  std::string h0, c0;
  if (lstm) {
    auto hx = ctx.list_elements(node->input(1));
    if (!hx || hx->size() != 2) unsupported(node, "the initial state is not an (h0, c0) pair kiln tracks");
    h0 = ctx.in((*hx)[0]);
    c0 = ctx.in((*hx)[1]);
  } else {
    h0 = ctx.in(node->input(1));
  }
  std::string x = ctx.in(node->input(0));
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
    std::string y = ctx.fresh(lstm ? "lstm_y" : "gru_y"), yh = ctx.fresh("h_n"), yc = ctx.fresh("c_n");
    std::vector<std::string> inputs{x, ctx.add_initializer(at::stack(w), "rnn_w"), ctx.add_initializer(at::stack(r), "rnn_r"),
                                    ctx.add_initializer(at::stack(b), "rnn_b"), "", slice0(ctx, h0, l * dirs, (l + 1) * dirs)};
    if (lstm) inputs.push_back(slice0(ctx, c0, l * dirs, (l + 1) * dirs));
    std::vector<std::string> outputs{y, yh};
    if (lstm) outputs.push_back(yc);
    auto& n = ctx.add_node(lstm ? "LSTM" : "GRU", inputs, outputs);
    set_attr(n, "hidden_size", hidden);
    set_attr(n, "direction", std::string(bidirectional ? "bidirectional" : "forward"));
    if (!lstm) set_attr(n, "linear_before_reset", int64_t{1});
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
  auto concat = [&](const std::vector<std::string>& parts, const Value* out) {
    auto& n = ctx.add_node("Concat", parts, {ctx.out(out, "state")});
    set_attr(n, "axis", int64_t{0});
  };
  concat(h_n, node->output(1));
  if (lstm) concat(c_n, node->output(2));
}

void lstm(ExportContext& c, const Node* n) { recurrent(c, n, true); }
void gru(ExportContext& c, const Node* n) { recurrent(c, n, false); }

}  // namespace

void add_recurrent_ops(OpTable& t) {
  t["aten::lstm"] = {lstm, "LSTM per layer (gates i,o,f,c) + Transpose/Reshape"};
  t["aten::gru"] = {gru, "GRU per layer (gates z,r,h; linear_before_reset) + Transpose/Reshape"};
}

}  // namespace kiln
