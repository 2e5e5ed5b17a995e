// Losses (a model that returns its loss, or an evaluation graph): mse / l1 / smooth_l1 / huber,
// nll_loss (NegativeLogLikelihoodLoss), cross_entropy_loss (SoftmaxCrossEntropyLoss, or its
// formula for label smoothing and class probabilities), kl_div, binary cross-entropy (with
// logits). Reduction 0 none, 1 mean, 2 sum as in LibTorch.
#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/promotion.h"

namespace kiln {

namespace {

std::string reduce_loss(ExportContext& ctx, const Node* node, const std::string& x, int64_t reduction, const std::string& out) {
  switch (reduction) {
    case 0: return emit(ctx, "Identity", {x}, "loss", out);
    case 1: return emit_reduce(ctx, "ReduceMean", x, {}, false, out);
    case 2: return emit_reduce(ctx, "ReduceSum", x, {}, false, out);
    default: unsupported(node, "an unknown reduction");
  }
}

std::pair<std::string, std::string> float_pair(ExportContext& ctx, const Node* node, const Args& a) {
  int32_t t = result_type(ctx, node);
  if (!is_floating(t)) t = onnx::TensorProto_DataType_FLOAT;
  return {operand(ctx, a.value(0), t), operand(ctx, a.value(1), t)};
}

// mse_loss / l1_loss(x, y, reduction)
Converter pointwise_loss(bool squared) {
  return [squared](ExportContext& ctx, const Node* node, const Args& a) {
    auto [x, y] = float_pair(ctx, node, a);
    std::string d = emit(ctx, "Sub", {x, y}, "diff");
    std::string e = squared ? emit(ctx, "Mul", {d, d}, "sq") : emit(ctx, "Abs", {d}, "abs");
    reduce_loss(ctx, node, e, a.i(2), ctx.out(node->output(), "loss"));
  };
}

// smooth_l1_loss(x, y, reduction, beta) / huber_loss(x, y, reduction, delta)
Converter robust_loss(bool huber) {
  return [huber](ExportContext& ctx, const Node* node, const Args& a) {
    auto [x, y] = float_pair(ctx, node, a);
    double k = a.f(3);
    std::string d = emit(ctx, "Abs", {emit(ctx, "Sub", {x, y}, "diff")}, "abs");
    std::string kk = constant_like(ctx, k, x, "k"), half = constant_like(ctx, 0.5, x, "half");
    std::string quad = emit(ctx, "Mul", {half, emit(ctx, "Mul", {d, d}, "sq")}, "quadratic");
    std::string lin = emit(ctx, "Sub", {d, emit(ctx, "Mul", {half, kk}, "half_k")}, "linear");
    if (huber) {
      lin = emit(ctx, "Mul", {kk, lin}, "linear");
    } else if (k > 0) {
      quad = emit(ctx, "Div", {quad, kk}, "quadratic");
    } else {  // beta 0: plain L1
      quad = d;
    }
    std::string e = emit(ctx, "Where", {emit(ctx, "Less", {d, kk}, "small"), quad, lin}, "elementwise");
    reduce_loss(ctx, node, e, a.i(2), ctx.out(node->output(), "loss"));
  };
}

// nll_loss(log_probs [N, C, ...] or [C], target, weight?, reduction, ignore_index)
void nll_loss(ExportContext& ctx, const Node* node, const Args& a) {
  static const char* names[] = {"none", "mean", "sum"};
  int64_t reduction = a.i(3);
  if (reduction < 0 || reduction > 2) unsupported(node, "an unknown reduction");
  std::vector<std::string> inputs{a.tensor(0), emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_INT64)};
  if (auto w = a.opt_tensor(2)) inputs.push_back(*w);
  auto rank = ctx.rank_of(a.value(0));
  bool unbatched = rank && *rank == 1;
  if (unbatched) {
    inputs[0] = emit_unsqueeze(ctx, inputs[0], {0});
    inputs[1] = emit_unsqueeze(ctx, inputs[1], {0});
  }
  std::string out = unbatched && reduction == 0 ? ctx.fresh("nll") : ctx.out(node->output(), "nll");
  auto& n = ctx.add_node("NegativeLogLikelihoodLoss", inputs, {out});
  set_attr(n, "reduction", std::string(names[reduction]));
  set_attr(n, "ignore_index", a.i(4));
  if (unbatched && reduction == 0) ctx.bind(node->output(), emit_squeeze(ctx, out, {0}));
}

// cross_entropy_loss(logits, target, weight?, reduction, ignore_index, label_smoothing)
void cross_entropy(ExportContext& ctx, const Node* node, const Args& a) {
  static const char* names[] = {"none", "mean", "sum"};
  int64_t reduction = a.i(3);
  if (reduction < 0 || reduction > 2) unsupported(node, "an unknown reduction");
  double smoothing = a.f(5);
  std::string x = a.tensor(0);
  auto rank = ctx.rank_of(a.value(0));
  int64_t class_dim = rank && *rank == 1 ? 0 : 1;
  auto target_type = value_type(ctx, a.value(1));
  bool probabilities = target_type && is_floating(*target_type);
  if (probabilities) {  // −Σ_c target_c · log_softmax(x)_c, with smoothing mixed into the target
    if (a.opt_tensor(2)) unsupported(node, "class weights with probability targets");
    auto& ls = ctx.add_node("LogSoftmax", {x}, {ctx.fresh("log_probs")});
    set_attr(ls, "axis", class_dim);
    std::string t = a.tensor(1);
    if (smoothing > 0) {
      std::string c = emit_cast(ctx, emit_dim(ctx, x, class_dim), type_or_float(ctx, x));
      std::string uniform = emit(ctx, "Div", {constant_like(ctx, smoothing, x, "eps"), c}, "uniform");
      t = emit(ctx, "Add", {emit(ctx, "Mul", {t, constant_like(ctx, 1 - smoothing, x, "keep")}, "kept"), uniform}, "smoothed");
    }
    std::string per = emit(ctx, "Neg", {emit_reduce(ctx, "ReduceSum", emit(ctx, "Mul", {t, ls.output(0)}, "tl"), {class_dim}, false)}, "per_sample");
    reduce_loss(ctx, node, per, reduction, ctx.out(node->output(), "cross_entropy"));
    return;
  }
  std::string target = emit_cast(ctx, a.tensor(1), onnx::TensorProto_DataType_INT64);
  std::optional<std::string> weight = a.opt_tensor(2);
  std::vector<std::string> inputs{x, target};
  if (weight) inputs.push_back(*weight);
  bool unbatched = class_dim == 0;
  if (unbatched) {
    inputs[0] = emit_unsqueeze(ctx, inputs[0], {0});
    inputs[1] = emit_unsqueeze(ctx, inputs[1], {0});
  }
  bool plain = smoothing <= 0;
  std::string out = (unbatched && reduction == 0) || !plain ? ctx.fresh("ce") : ctx.out(node->output(), "cross_entropy");
  auto& n = ctx.add_node("SoftmaxCrossEntropyLoss", inputs, {out});
  set_attr(n, "reduction", std::string(names[reduction]));
  set_attr(n, "ignore_index", a.i(4));
  std::string nll = unbatched && reduction == 0 ? emit_squeeze(ctx, out, {0}) : out;
  if (plain) {
    if (unbatched && reduction == 0) ctx.bind(node->output(), nll);
    return;
  }
  // Label smoothing as LibTorch computes it: (1 − ε)·nll + ε/C · smooth, where smooth is
  // −Σ_c w_c·log_softmax(x)_c per sample (0 where the target is ignore_index), reduced like nll:
  // a mean divides by the weight of the counted targets (their number without weights).
  auto& ls = ctx.add_node("LogSoftmax", {x}, {ctx.fresh("log_probs")});
  set_attr(ls, "axis", class_dim);
  std::string terms = ls.output(0);
  if (weight) {
    int64_t r = rank_or_fail(ctx, node, a.value(0));
    std::vector<int64_t> view(static_cast<size_t>(r - class_dim), 1);
    view[0] = -1;
    terms = emit(ctx, "Mul", {terms, emit(ctx, "Reshape", {*weight, ctx.add_int64s(view, "weight_view")}, "weight")}, "weighted");
  }
  std::string smooth = emit(ctx, "Neg", {emit_reduce(ctx, "ReduceSum", terms, {class_dim}, false)}, "smooth");
  std::string ignored = emit(ctx, "Equal", {target, ctx.add_int64s({a.i(4)}, "ignore_index", true)}, "ignored");
  std::string zero = constant_like(ctx, 0, smooth, "zero");
  smooth = emit(ctx, "Where", {ignored, zero, smooth}, "smooth");
  if (reduction == 2) smooth = emit_reduce(ctx, "ReduceSum", smooth, {}, false);
  if (reduction == 1) {
    std::string counted;
    if (weight) {
      std::string safe = emit(ctx, "Where", {ignored, ctx.add_int64s({0}, "zero", true), target}, "safe_target");
      counted = emit(ctx, "Gather", {*weight, safe}, "target_weight");
    } else {
      counted = constant_like(ctx, 1, smooth, "one");
      counted = emit(ctx, "Expand", {counted, emit_shape(ctx, target)}, "counted");
    }
    counted = emit_reduce(ctx, "ReduceSum", emit(ctx, "Where", {ignored, zero, counted}, "counted"), {}, false);
    smooth = emit(ctx, "Div", {emit_reduce(ctx, "ReduceSum", smooth, {}, false), counted}, "smooth_mean");
  }
  std::string c = emit_cast(ctx, emit_squeeze(ctx, emit_dim(ctx, x, class_dim), {0}), type_or_float(ctx, x));
  std::string eps_per_class = emit(ctx, "Div", {constant_like(ctx, smoothing, x, "eps"), c}, "eps_per_class");
  std::string kept = emit(ctx, "Mul", {nll, constant_like(ctx, 1 - smoothing, x, "keep")}, "kept");
  ctx.add_node("Add", {kept, emit(ctx, "Mul", {smooth, eps_per_class}, "smoothing")}, {ctx.out(node->output(), "cross_entropy")});
}

// kl_div(input, target, reduction, log_target): target·(log target − input), 0 where target is 0;
// exp(target)·(target − input) with log targets.
void kl_div(ExportContext& ctx, const Node* node, const Args& a) {
  auto [x, t] = float_pair(ctx, node, a);
  std::string e;
  if (a.b(3)) {
    e = emit(ctx, "Mul", {emit(ctx, "Exp", {t}, "exp_t"), emit(ctx, "Sub", {t, x}, "diff")}, "kl");
  } else {
    std::string zero = constant_like(ctx, 0, x, "zero");
    std::string safe = emit(ctx, "Where", {emit(ctx, "Greater", {t, zero}, "pos"), t, constant_like(ctx, 1, x, "one")}, "safe_t");
    std::string xlogx = emit(ctx, "Mul", {t, emit(ctx, "Log", {safe}, "log_t")}, "t_log_t");
    e = emit(ctx, "Sub", {xlogx, emit(ctx, "Mul", {t, x}, "t_x")}, "kl");
  }
  reduce_loss(ctx, node, e, a.i(2), ctx.out(node->output(), "kl_div"));
}

// binary_cross_entropy_with_logits(x, t, weight?, pos_weight?, reduction):
// (1 − t)·x + (1 + (pw − 1)·t)·(log1p(exp(−|x|)) + max(−x, 0)), times weight.
void bce_with_logits(ExportContext& ctx, const Node* node, const Args& a) {
  auto [x, t] = float_pair(ctx, node, a);
  std::string one = constant_like(ctx, 1, x, "one"), zero = constant_like(ctx, 0, x, "zero");
  std::string soft = emit(ctx, "Add", {emit(ctx, "Log", {emit(ctx, "Add", {one, emit(ctx, "Exp", {emit(ctx, "Neg", {emit(ctx, "Abs", {x}, "abs")}, "neg_abs")}, "exp")}, "plus1")}, "log1p"),
                                       emit(ctx, "Max", {emit(ctx, "Neg", {x}, "neg_x"), zero}, "relu_neg")},
                          "softplus_neg");
  std::string lw = one;
  if (auto pw = a.opt_tensor(3)) lw = emit(ctx, "Add", {one, emit(ctx, "Mul", {emit(ctx, "Sub", {*pw, one}, "pw_1"), t}, "pw_t")}, "log_weight");
  std::string loss = emit(ctx, "Add", {emit(ctx, "Mul", {emit(ctx, "Sub", {one, t}, "one_minus_t"), x}, "lin"), emit(ctx, "Mul", {lw, soft}, "weighted")}, "bce");
  if (auto w = a.opt_tensor(2)) loss = emit(ctx, "Mul", {loss, *w}, "bce_w");
  reduce_loss(ctx, node, loss, a.i(4), ctx.out(node->output(), "bce_with_logits"));
}

// binary_cross_entropy(p, t, weight?, reduction): −(t·log p + (1 − t)·log(1 − p)), logs ≥ −100
void bce(ExportContext& ctx, const Node* node, const Args& a) {
  auto [p, t] = float_pair(ctx, node, a);
  std::string one = constant_like(ctx, 1, p, "one"), floor = constant_like(ctx, -100, p, "log_floor");
  std::string lp = emit(ctx, "Max", {emit(ctx, "Log", {p}, "log_p"), floor}, "log_p");
  std::string lq = emit(ctx, "Max", {emit(ctx, "Log", {emit(ctx, "Sub", {one, p}, "q")}, "log_q"), floor}, "log_q");
  std::string s = emit(ctx, "Add", {emit(ctx, "Mul", {t, lp}, "t_lp"), emit(ctx, "Mul", {emit(ctx, "Sub", {one, t}, "one_minus_t"), lq}, "u_lq")}, "ll");
  std::string loss = emit(ctx, "Neg", {s}, "bce");
  if (auto w = a.opt_tensor(2)) loss = emit(ctx, "Mul", {loss, *w}, "bce_w");
  reduce_loss(ctx, node, loss, a.i(3), ctx.out(node->output(), "bce"));
}

}  // namespace

void register_loss_ops(OpRegistry& r) {
  r.add("aten::mse_loss", "x x i", pointwise_loss(true), "Sub + Mul + Reduce");
  r.add("aten::l1_loss", "x x i", pointwise_loss(false), "Sub + Abs + Reduce");
  r.add("aten::smooth_l1_loss", "x x i f", robust_loss(false), "Abs/Where formula + Reduce");
  r.add("aten::huber_loss", "x x i f", robust_loss(true), "Abs/Where formula + Reduce");
  r.add("aten::nll_loss|aten::nll_loss2d|aten::nll_loss_nd", "v v v? i i", nll_loss, "NegativeLogLikelihoodLoss");
  r.add("aten::cross_entropy_loss", "v v v? i i f", cross_entropy,
        "SoftmaxCrossEntropyLoss (class indices) or LogSoftmax formula (probabilities)");
  r.add("aten::kl_div", "x x i b", kl_div, "Log/Mul/Sub (or Exp) + Reduce");
  r.add("aten::binary_cross_entropy_with_logits", "x x v? v? i", bce_with_logits, "stable softplus formula + Reduce");
  r.add("aten::binary_cross_entropy", "x x v? i", bce, "Log (≥ −100) formula + Reduce");
}

}  // namespace kiln
