#pragma once
// Small ONNX models built in code for the optimizer tests.
#include <string>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include "tensor/host_tensor.h"

namespace kiln::test {

// The dtype most test models use.
inline constexpr DType F32 = DType::Float32;

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 17, int64_t ir_version = 8);
  onnx::ModelProto& model() { return model_; }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  // Dimensions < 0 become the symbolic dimension "N".
  ModelBuilder& input(const std::string& name, DType dtype, const Shape& shape);
  ModelBuilder& output(const std::string& name, DType dtype, const Shape& shape);
  ModelBuilder& output(const std::string& name);  // untyped
  ModelBuilder& initializer(const HostTensor& t);
  ModelBuilder& constant(const HostTensor& t);  // a Constant node writing t.name
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs);

 private:
  onnx::ModelProto model_;
};

void add_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& v);
void add_int(onnx::NodeProto& node, const std::string& name, int64_t v);
void add_float(onnx::NodeProto& node, const std::string& name, float v);

HostTensor random_tensor(const std::string& name, DType dtype, const Shape& shape, uint64_t seed,
                         double lo = -1, double hi = 1);
int count_ops(const onnx::ModelProto& model, const std::string& op_type);
// Runs in ONNX Runtime with its graph optimizations off.
std::vector<HostTensor> run_model(const onnx::ModelProto& model,
                                  const std::vector<HostTensor>& inputs);
// Max |a-b| / max(max|a|, 1e-12) over all outputs.
double max_rel_diff(const std::vector<HostTensor>& a, const std::vector<HostTensor>& b);
// Runs `passes` once (no fixed point), returns the total rewrites.
int apply(onnx::ModelProto& model, const std::vector<std::string>& passes,
          bool fixed_point = false);

}  // namespace kiln::test
