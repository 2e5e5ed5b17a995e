#!/usr/bin/env python3
"""An ONNX model of N chained Identity nodes after a Relu (issue 33: eliminate_identity was
quadratic). Usage: make_identity_chain.py N OUT.onnx"""
import sys

import onnx
from onnx import TensorProto, helper

n, out = int(sys.argv[1]), sys.argv[2]
nodes = [helper.make_node("Relu", ["X"], ["v0"])]
nodes += [helper.make_node("Identity", [f"v{i}"], [f"v{i + 1}"]) for i in range(n)]
nodes.append(helper.make_node("Identity", [f"v{n}"], ["Y"]))
graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 4])],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 4])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), out)
