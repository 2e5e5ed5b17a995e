// Padding and einsum: pad / constant_pad_nd / reflection_pad* / replication_pad* → Pad (constant,
// reflect, edge), einsum → Einsum.
#include <fmt/format.h>

#include "export/onnx_attr.h"
#include "export/op_registry.h"
#include "export/scalar_values.h"

namespace kiln {

namespace {

// PyTorch's pad list runs from the last dim backwards in (begin, end) pairs; ONNX wants every
// dim's begin, then every dim's end.
std::vector<int64_t> onnx_pads(const Node* node, const std::vector<int64_t>& torch_pads, int64_t rank) {
  if (torch_pads.size() % 2 != 0 || static_cast<int64_t>(torch_pads.size()) > 2 * rank) {
    unsupported(node, "a pad list that does not fit the tensor's rank");
  }
  std::vector<int64_t> begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < torch_pads.size() / 2; ++i) {
    size_t dim = static_cast<size_t>(rank) - 1 - i;
    begin[dim] = torch_pads[2 * i];
    end[dim] = torch_pads[2 * i + 1];
  }
  begin.insert(begin.end(), end.begin(), end.end());
  return begin;
}

void emit_pad(ExportContext& ctx, const Node* node, const std::string& mode, const Value* value) {
  auto rank = ctx.rank_of(node->input(0));
  if (!rank) unsupported(node, "padding a tensor of unknown rank");
  std::string pads_name;
  if (ctx.is_static(node->input(1))) {
    pads_name = ctx.add_int64s(onnx_pads(node, ctx.const_ints(node->input(1)), *rank), "pads");
  } else {  // run-time amounts (Swin pads to a multiple of its window): the same reordering, by value
    auto elems = ctx.list_elements(node->input(1));
    if (!elems || elems->size() % 2 != 0 || static_cast<int64_t>(elems->size()) > 2 * *rank) {
      unsupported(node, "pad amounts kiln does not track");
    }
    const Value* zero = ctx.mint_static(c10::IValue(int64_t{0}), c10::IntType::get());
    std::vector<const Value*> begin(static_cast<size_t>(*rank), zero), end(static_cast<size_t>(*rank), zero);
    for (size_t i = 0; i < elems->size() / 2; ++i) {
      size_t dim = static_cast<size_t>(*rank) - 1 - i;
      begin[dim] = (*elems)[2 * i];
      end[dim] = (*elems)[2 * i + 1];
    }
    begin.insert(begin.end(), end.begin(), end.end());
    pads_name = pack_int_elements(ctx, begin);
  }
  std::vector<std::string> inputs{ctx.in(node->input(0)), pads_name};
  if (mode == "constant" && value != nullptr && !ctx.is_none(value)) {
    auto type = scalar_onnx_type(node->input(0)).value_or(onnx::TensorProto_DataType_FLOAT);
    inputs.push_back(scalar_operand(ctx, value, type));
  }
  auto& n = ctx.add_node("Pad", inputs, {ctx.out(node->output(), "pad")});
  set_attr(n, "mode", mode);
}

// pad(x, pad, mode="constant", value=None)
void pad(ExportContext& ctx, const Node* node) {
  std::string mode = node->inputs().size() > 2 ? ctx.constant(node->input(2)).toStringRef() : "constant";
  if (mode == "replicate") mode = "edge";
  else if (mode != "constant" && mode != "reflect") unsupported(node, fmt::format("pad mode '{}'", mode));
  emit_pad(ctx, node, mode, node->inputs().size() > 3 ? node->input(3) : nullptr);
}

void constant_pad(ExportContext& c, const Node* n) { emit_pad(c, n, "constant", n->inputs().size() > 2 ? n->input(2) : nullptr); }
void reflection_pad(ExportContext& c, const Node* n) { emit_pad(c, n, "reflect", nullptr); }
void replication_pad(ExportContext& c, const Node* n) { emit_pad(c, n, "edge", nullptr); }

// einsum(equation, tensors, path=None)
void einsum(ExportContext& ctx, const Node* node) {
  auto elems = ctx.list_elements(node->input(1));
  std::vector<std::string> inputs;
  if (elems) {
    for (const Value* e : *elems) inputs.push_back(ctx.in(e));
  } else {
    unsupported(node, "einsum of a tensor list kiln does not track");
  }
  auto& n = ctx.add_node("Einsum", inputs, {ctx.out(node->output(), "einsum")});
  set_attr(n, "equation", ctx.constant(node->input(0)).toStringRef());
}

}  // namespace

void add_padding_ops(OpTable& t) {
  t["aten::pad"] = {pad, "Pad (constant, reflect, edge)"};
  t["aten::constant_pad_nd"] = {constant_pad, "Pad (constant)"};
  for (const char* k : {"aten::reflection_pad1d", "aten::reflection_pad2d", "aten::reflection_pad3d"}) {
    t[k] = {reflection_pad, "Pad (reflect)"};
  }
  for (const char* k : {"aten::replication_pad1d", "aten::replication_pad2d", "aten::replication_pad3d"}) {
    t[k] = {replication_pad, "Pad (edge)"};
  }
  t["aten::einsum"] = {einsum, "Einsum"};
}

}  // namespace kiln
