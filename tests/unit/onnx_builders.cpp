#include "onnx_builders.h"

#include <algorithm>
#include <random>

#include "onnx/model_io.h"
#include "optimize/optimizer.h"
#include "runtime/ort_session.h"
#include "tensor/tensor_diff.h"

namespace kiln::test {

namespace {

void set_type(onnx::ValueInfoProto* v, DType dtype, const Shape& shape) {
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(static_cast<int32_t>(dtype));
  auto* s = tt->mutable_shape();
  for (int64_t d : shape) {
    if (d < 0)
      s->add_dim()->set_dim_param("N");
    else
      s->add_dim()->set_dim_value(d);
  }
}

}  // namespace

ModelBuilder::ModelBuilder(int64_t opset, int64_t ir_version) {
  model_.set_ir_version(ir_version);
  model_.set_producer_name("kiln-test");
  auto* op = model_.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model_.mutable_graph()->set_name("test");
}

ModelBuilder& ModelBuilder::input(const std::string& name, DType dtype, const Shape& shape) {
  auto* v = graph().add_input();
  v->set_name(name);
  set_type(v, dtype, shape);
  return *this;
}

ModelBuilder& ModelBuilder::output(const std::string& name, DType dtype, const Shape& shape) {
  auto* v = graph().add_output();
  v->set_name(name);
  set_type(v, dtype, shape);
  return *this;
}

ModelBuilder& ModelBuilder::output(const std::string& name) {
  graph().add_output()->set_name(name);
  return *this;
}

ModelBuilder& ModelBuilder::initializer(const HostTensor& t) {
  tensor_to_proto(t, graph().add_initializer());
  return *this;
}

ModelBuilder& ModelBuilder::constant(const HostTensor& t) {
  auto& n = node("Constant", {}, {t.name});
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  tensor_to_proto(t, a->mutable_t());
  return *this;
}

onnx::NodeProto& ModelBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                                    const std::vector<std::string>& outputs) {
  auto* n = graph().add_node();
  n->set_op_type(op);
  n->set_name(op + "_" + std::to_string(graph().node_size()));
  for (const auto& s : inputs) n->add_input(s);
  for (const auto& s : outputs) n->add_output(s);
  return *n;
}

void add_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void add_int(onnx::NodeProto& node, const std::string& name, int64_t v) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void add_float(onnx::NodeProto& node, const std::string& name, float v) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

HostTensor random_tensor(const std::string& name, DType dtype, const Shape& shape, uint64_t seed,
                         double lo, double hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  HostTensor t(name, dtype, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.set(i, dist(rng));
  return t;
}

static int count_in(const onnx::GraphProto& g, const std::string& op) {
  int n = 0;
  for (const auto& node : g.node()) {
    n += node.op_type() == op;
    for (const auto& a : node.attribute()) {
      if (a.has_g()) n += count_in(a.g(), op);
    }
  }
  return n;
}

int count_ops(const onnx::ModelProto& model, const std::string& op_type) {
  return count_in(model.graph(), op_type);
}

std::vector<HostTensor> run_model(const onnx::ModelProto& model,
                                  const std::vector<HostTensor>& inputs) {
  SessionOptions o;
  o.optimization = GraphOptLevel::Disable;
  o.intra_op_threads = 1;
  auto session = OrtSession::from_bytes(serialize_model(model), o, "test model");
  return session.run(inputs);
}

double max_rel_diff(const std::vector<HostTensor>& a, const std::vector<HostTensor>& b) {
  double worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, diff_tensors(a[i], b[i]).max_rel);
  return a.size() == b.size() ? worst : 1e300;
}

int apply(onnx::ModelProto& model, const std::vector<std::string>& passes, bool fixed_point) {
  OptimizeOptions o;
  o.passes = passes;
  o.fixed_point = fixed_point;
  return optimize_model(model, o).rewrites();
}

}  // namespace kiln::test
