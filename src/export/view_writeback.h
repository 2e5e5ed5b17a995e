#pragma once
// Writes into views: `y[:, idx] = v` is aten::index_put_ on aten::slice(y, …), `y[0] += 1` an
// in-place op on aten::select(y, 0, 0). LibTorch changes y through the view; an ONNX graph has
// values, not storage, so the written view is scattered back into its base, and the base's base,
// up the chain of view ops (slice, select, narrow, view, unsqueeze, squeeze, transpose, permute,
// alias/detach). Views taken before the write and read after it keep their old values (they are
// separate ONNX values), which the export's verification would catch.
#include <string>
#include <vector>

#include "export/export_context.h"

namespace kiln {

// `view` (a TorchScript value) now holds `written` (an ONNX name): rebinds every base it was
// viewed from to its updated value. Does nothing when `view` is not a view.
void write_back_through_views(ExportContext& ctx, const Value* view, const std::string& written);

// The values defined outside `block` that an in-place op inside it (nested blocks included)
// writes, directly or through a view: a Loop carries them, an If returns them.
std::vector<const Value*> outer_values_written_in(const torch::jit::Block* block);

// Whether `node` (its nested blocks included) changes anything defined outside `scope`: a tensor
// in place (through views too), a list or dict (append, setitem, …), a module attribute.
bool mutates_outside(const Node* node, const torch::jit::Block* scope);

}  // namespace kiln
