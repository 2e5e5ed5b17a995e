// prim::If. A static condition (an assertion on the declared rank, `torch.jit.is_scripting()`, a
// flag frozen into the module) picks its branch at export: that branch's nodes are converted in
// place and no ONNX If is written. A dynamic condition becomes an ONNX If with both branches as
// subgraphs, except that a branch which only raises (an assertion) cannot be expressed in ONNX:
// the other branch is taken and the dropped check is listed in the report (torch.onnx does the same).
#include "export/converter_util.h"
#include "export/onnx_attr.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

bool raises(const torch::jit::Block* block) {
  for (const Node* n : block->nodes()) {
    if (n->kind() == c10::prim::RaiseException) return true;
  }
  return false;
}

onnx::TensorProto_DataType elem_type(const Value* v) {
  if (auto t = scalar_onnx_type(v)) return *t;
  return onnx::TensorProto_DataType_FLOAT;
}

// Converts a block in the current graph and makes the If's outputs its outputs.
void inline_branch(ExportContext& ctx, const Node* node, const torch::jit::Block* block) {
  convert_block(ctx, block);
  for (size_t i = 0; i < node->outputs().size(); ++i) ctx.alias_value(node->output(i), block->outputs()[i]);
}

onnx::GraphProto branch(ExportContext& ctx, const torch::jit::Block* block, const std::string& name) {
  onnx::GraphProto g;
  g.set_name(ctx.fresh(name));
  ctx.push_graph(&g);
  convert_block(ctx, block);
  for (const Value* v : block->outputs()) {
    // A branch output must be produced inside the branch: pass outer values through Identity.
    std::string produced = ctx.in(v);
    std::string out = ctx.fresh(name + "_out");
    ctx.add_node("Identity", {produced}, {out});
    auto* vi = g.add_output();
    vi->set_name(out);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type(v));
  }
  ctx.pop_graph();
  return g;
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
  for (const Value* o : node->outputs()) {
    if (is_non_tensor(o) && !scalar_onnx_type(o)) unsupported(node, "a run-time branch that returns a list, tuple or None");
  }
  std::string cond = scalar_operand(ctx, c, onnx::TensorProto_DataType_BOOL);
  onnx::GraphProto then_g = branch(ctx, then_block, "then");
  onnx::GraphProto else_g = branch(ctx, else_block, "else");
  std::vector<std::string> outs;
  for (const Value* o : node->outputs()) outs.push_back(ctx.out(o, "if_out"));
  auto& n = ctx.add_node("If", {cond}, outs);
  set_attr(n, "then_branch", then_g);
  set_attr(n, "else_branch", else_g);
}

// prim::Loop with a static trip count and static continuation conditions (`for i in range(dim)`
// in F.interpolate, loops over a frozen ModuleList): unrolled at export, the body converted once
// per iteration with the iteration number and carried values bound. A loop whose length is only
// known at run time is not exported (it would need an ONNX Loop).
constexpr int64_t kMaxUnrolledIterations = 4096;

void loop(ExportContext& ctx, const Node* node, const Args&) {
  if (!ctx.is_static(node->input(0))) unsupported(node, "a loop whose trip count is only known at run time");
  if (!ctx.is_static(node->input(1))) unsupported(node, "a loop whose first condition is only known at run time");
  int64_t trips = ctx.const_int(node->input(0));
  bool go = ctx.const_bool(node->input(1));
  const auto* body = node->blocks()[0];
  std::vector<const Value*> carried(node->inputs().begin() + 2, node->inputs().end());
  for (int64_t i = 0; i < trips && go; ++i) {
    if (i >= kMaxUnrolledIterations) unsupported(node, "a loop of more than 4096 iterations");
    ctx.set_known(body->inputs()[0], c10::IValue(i));
    for (size_t j = 0; j < carried.size(); ++j) ctx.alias_value(body->inputs()[j + 1], carried[j]);
    convert_block(ctx, body);
    if (!ctx.is_static(body->outputs()[0])) unsupported(node, "a loop that stops on a run-time condition");
    go = ctx.const_bool(body->outputs()[0]);
    // Snapshot the carried values: the next iteration re-converts (and rebinds) the body.
    std::vector<const Value*> next;
    for (size_t j = 0; j < carried.size(); ++j) {
      const Value* out = body->outputs()[j + 1];
      const Value* keep = ctx.mint(std::string(), out->type());
      ctx.alias_value(keep, out);
      next.push_back(keep);
    }
    carried = std::move(next);
  }
  for (size_t j = 0; j < carried.size(); ++j) ctx.alias_value(node->output(j), carried[j]);
}

}  // namespace

void register_control_flow_ops(OpRegistry& r) {
  r.add("prim::If", "any", if_node, "nothing (static condition: the branch taken is inlined) or If (both branches as subgraphs)");
  r.add("prim::Loop", "any any ...", loop, "nothing (a static loop is unrolled)");
}

}  // namespace kiln
