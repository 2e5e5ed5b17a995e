#include "optimize/pass.h"

namespace kiln {

int fusable_producer(const GraphView& view, const std::string& value, const std::string& op_type) {
  if (value.empty() || view.use_count(value) != 1 || view.is_graph_output(value)) return -1;
  int p = view.producer(value);
  if (p < 0) return -1;
  const auto& n = view.node(p);
  if (n.op_type() != op_type || !is_standard_domain(n.domain()) || n.output_size() < 1 ||
      n.output(0) != value) {
    return -1;
  }
  return p;
}

bool is_float_or_double(int32_t elem_type) {
  return elem_type == static_cast<int32_t>(DType::Float32) ||
         elem_type == static_cast<int32_t>(DType::Float64);
}

}  // namespace kiln
