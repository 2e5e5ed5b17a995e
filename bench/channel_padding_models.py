#!/usr/bin/env python3
"""Float ONNX models whose first Conv has 1-3 input channels, for bench/run_channel_padding.sh.

Each model: Conv(C -> 32, k, stride s) -> Relu [-> MaxPool 3x3/2] -> Conv(32 -> 64, 3x3) -> Relu
-> GlobalAveragePool -> Flatten -> Gemm(64 -> 10), random He-scaled weights (seed 0), opset 13,
dynamic batch; plus a folder NAME_calib/ of four 16-sample .pb batches of normal noise for
`kiln quantize-onnx --calibrate`. Usage: channel_padding_models.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# name: (input channels, height = width, first kernel, first stride, first pad, max-pool after)
SHAPES = {
    "c1_28_k5": (1, 28, 5, 1, 2, False),      # grayscale, MNIST-sized
    "c2_64_k3": (2, 64, 3, 1, 1, False),      # two channels (e.g. a stacked pair of frames)
    "c3_32_k3": (3, 32, 3, 1, 1, False),      # RGB, CIFAR-sized
    "c3_224_k7s2": (3, 224, 7, 2, 3, True),   # RGB, an ImageNet-style stem
}


def build(out, name, c, h, k, s, p, pool, rng):
    inits, nodes = [], []

    def weight(n, shape):
        a = rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))
        inits.append(numpy_helper.from_array(a.astype(np.float32), n))
        return n

    def bias(n, count):
        inits.append(numpy_helper.from_array((rng.standard_normal(count) * 0.1).astype(np.float32), n))
        return n

    nodes.append(helper.make_node("Conv", ["input", weight("w1", [32, c, k, k]), bias("b1", 32)], ["c1"],
                                  name="/Conv", kernel_shape=[k, k], strides=[s, s], pads=[p] * 4))
    nodes.append(helper.make_node("Relu", ["c1"], ["r1"], name="/Relu"))
    x = "r1"
    if pool:
        nodes.append(helper.make_node("MaxPool", [x], ["mp"], name="/MaxPool", kernel_shape=[3, 3],
                                      strides=[2, 2], pads=[1, 1, 1, 1]))
        x = "mp"
    nodes.append(helper.make_node("Conv", [x, weight("w2", [64, 32, 3, 3]), bias("b2", 64)], ["c2"],
                                  name="/Conv_1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    nodes.append(helper.make_node("Relu", ["c2"], ["r2"], name="/Relu_1"))
    nodes.append(helper.make_node("GlobalAveragePool", ["r2"], ["gap"], name="/GlobalAveragePool"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="/Flatten"))
    nodes.append(helper.make_node("Gemm", ["flat", weight("w3", [10, 64]), bias("b3", 10)], ["output"],
                                  name="/Gemm", transB=1))
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", c, h, h])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(out, name + ".onnx"))
    calib = os.path.join(out, name + "_calib")
    os.makedirs(calib, exist_ok=True)
    for i in range(4):
        batch = rng.standard_normal((16, c, h, h)).astype(np.float32)
        with open(os.path.join(calib, f"{i:03d}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(batch, "input").SerializeToString())


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, shape in SHAPES.items():
        build(out, name, *shape, rng)
        print(name)


if __name__ == "__main__":
    main()
