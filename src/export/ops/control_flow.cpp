// prim::If → ONNX If with both branches as subgraphs: a scripted data-dependent branch survives
// export (a traced one was already gone before export).
#include "export/onnx_attr.h"
#include "export/op_registry.h"

namespace kiln {

namespace {

bool is_boolean_producer(const Value* v) {
  const Node* n = v->node();
  while (n->kind().toQualString() == std::string("aten::Bool")) n = n->input(0)->node();
  static const std::vector<std::string> ops{"aten::gt", "aten::lt", "aten::ge", "aten::le", "aten::eq",
                                            "aten::ne", "aten::__not__", "aten::logical_not"};
  std::string k = n->kind().toQualString();
  for (const auto& o : ops)
    if (k == o) return true;
  return false;
}

onnx::TensorProto_DataType elem_type(const Value* v) {
  if (auto t = v->type()->cast<c10::TensorType>()) {
    if (auto s = t->scalarType()) {
      if (*s == at::kLong) return onnx::TensorProto_DataType_INT64;
      if (*s == at::kBool) return onnx::TensorProto_DataType_BOOL;
      if (*s == at::kDouble) return onnx::TensorProto_DataType_DOUBLE;
    }
  }
  return onnx::TensorProto_DataType_FLOAT;
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

void if_node(ExportContext& ctx, const Node* node) {
  std::string cond = ctx.in(node->input(0));
  if (!is_boolean_producer(node->input(0))) {
    std::string b = ctx.fresh("cond");
    auto& cast = ctx.add_node("Cast", {cond}, {b});
    set_attr(cast, "to", static_cast<int64_t>(onnx::TensorProto_DataType_BOOL));
    cond = b;
  }
  onnx::GraphProto then_g = branch(ctx, node->blocks()[0], "then");
  onnx::GraphProto else_g = branch(ctx, node->blocks()[1], "else");
  std::vector<std::string> outs;
  for (const Value* o : node->outputs()) outs.push_back(ctx.out(o, "if_out"));
  auto& n = ctx.add_node("If", {cond}, outs);
  set_attr(n, "then_branch", then_g);
  set_attr(n, "else_branch", else_g);
}

}  // namespace

void add_control_flow_ops(OpTable& t) { t["prim::If"] = {if_node, "If (both branches as subgraphs)"}; }

}  // namespace kiln
