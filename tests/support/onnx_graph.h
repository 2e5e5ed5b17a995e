#pragma once
// Reading an exported model back in tests: the ModelProto, and how often an op occurs (If
// subgraphs included).
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

namespace kiln::testing {

inline onnx::ModelProto load_model(const std::filesystem::path& p) {
  onnx::ModelProto m;
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(m.ParseFromIstream(&in)) << p;
  return m;
}

inline int count_op(const onnx::GraphProto& g, const std::string& op) {
  int n = 0;
  for (const auto& node : g.node()) {
    n += node.op_type() == op;
    for (const auto& a : node.attribute())
      if (a.has_g()) n += count_op(a.g(), op);
  }
  return n;
}

}  // namespace kiln::testing
