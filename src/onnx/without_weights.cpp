#include "onnx/without_weights.h"

namespace kiln {

onnx::ModelProto without_weights(const onnx::ModelProto& model) {
  onnx::ModelProto copy;
  copy.set_ir_version(model.ir_version());
  *copy.mutable_opset_import() = model.opset_import();
  *copy.mutable_functions() = model.functions();
  const auto& g = model.graph();
  auto* cg = copy.mutable_graph();
  cg->set_name(g.name());
  *cg->mutable_input() = g.input();
  *cg->mutable_output() = g.output();
  *cg->mutable_value_info() = g.value_info();
  *cg->mutable_node() = g.node();
  for (const auto& init : g.initializer()) {
    int64_t numel = 1;
    for (auto d : init.dims()) numel *= d;
    if (numel <= kSmallInitializerElements) {
      *cg->add_initializer() = init;
      continue;
    }
    auto* vi = cg->add_input();
    vi->set_name(init.name());
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(init.data_type());
    auto* shape = tt->mutable_shape();
    for (auto d : init.dims()) shape->add_dim()->set_dim_value(d);
  }
  return copy;
}

}  // namespace kiln
