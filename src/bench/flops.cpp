#include "bench/flops.h"

#include <map>
#include <string>

#include <onnx/shape_inference/implementation.h>

#include "onnx/model_io.h"

namespace kiln {

namespace {

using Dims = std::vector<int64_t>;  // -1 when unknown

Dims dims_of(const onnx::TypeProto& type) {
  Dims d;
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return d;
  for (const auto& dim : type.tensor_type().shape().dim())
    d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
  return d;
}

double product(const Dims& d, size_t from = 0) {
  double p = 1;
  for (size_t i = from; i < d.size(); ++i) p *= static_cast<double>(d[i]);
  return p;
}

bool known(const Dims& d) {
  if (d.empty()) return false;
  for (int64_t v : d)
    if (v < 0) return false;
  return true;
}

}  // namespace

std::optional<double> onnx_flops_per_sample(const std::filesystem::path& path) {
  try {
    onnx::ModelProto model = load_model(path);
    // Batch 1: symbolic leading dimensions of the inputs become 1.
    for (auto& in : *model.mutable_graph()->mutable_input()) {
      auto* shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
      if (shape->dim_size() > 0 && !shape->dim(0).has_dim_value()) shape->mutable_dim(0)->set_dim_value(1);
    }
    onnx::shape_inference::InferShapes(model);
    std::map<std::string, Dims> shapes;
    const auto& g = model.graph();
    for (const auto& v : g.input()) shapes[v.name()] = dims_of(v.type());
    for (const auto& v : g.value_info()) shapes[v.name()] = dims_of(v.type());
    for (const auto& v : g.output()) shapes[v.name()] = dims_of(v.type());
    for (const auto& t : g.initializer()) shapes[t.name()] = Dims(t.dims().begin(), t.dims().end());
    auto shape = [&](const std::string& name) {
      auto it = shapes.find(name);
      return it == shapes.end() ? Dims{} : it->second;
    };
    double flops = 0;
    for (const auto& node : g.node()) {
      const std::string& op = node.op_type();
      if (node.output_size() < 1) continue;
      Dims out = shape(node.output(0));
      if (op == "Conv" || op == "ConvInteger" || op == "QLinearConv") {
        // Weight is input 1 (3 for QLinearConv): [Cout, Cin/g, k…]; MACs = |out| × Cin/g × k….
        int w = op == "QLinearConv" ? 3 : 1;
        if (node.input_size() <= w) return std::nullopt;
        Dims wd = shape(node.input(w));
        if (!known(out) || !known(wd)) return std::nullopt;
        flops += 2 * product(out) * product(wd, 1);
      } else if (op == "Gemm" || op == "MatMul" || op == "MatMulInteger" || op == "QLinearMatMul") {
        Dims a = shape(node.input(0));
        if (!known(out) || !known(a)) return std::nullopt;
        int64_t k = a.back();
        if (op == "Gemm") {
          for (const auto& attr : node.attribute())
            if (attr.name() == "transA" && attr.i() != 0 && a.size() == 2) k = a[0];
        }
        flops += 2 * product(out) * static_cast<double>(k);
      }
    }
    return flops;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace kiln
