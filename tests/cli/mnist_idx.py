"""The MNIST test split as kiln finds and feeds it, for the Python side of CLI and interop tests.

kiln_dataset_dir(KILN, name): the folder `kiln doctor --json` reports for the dataset (so Python
reads the very files kiln reads); test_split(dir, n, dataset): the first n test images normalized
as kiln's dataset_batch does, x = (pixel / 255 − mean) / std, shape n×1×28×28 float32, and labels.
"""
import gzip
import json
import os
import subprocess

import numpy as np

# src/data/dataset.cpp normalization_for(): the published mean and std of each dataset.
NORMALIZATION = {"mnist": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530)}


def kiln_dataset_dir(kiln, name="mnist"):
    out = subprocess.run([kiln, "doctor", "--json"], check=True, capture_output=True, text=True).stdout
    for d in json.loads(out)["datasets"]:
        if d["name"] == name:
            if not d["found"]:
                raise SystemExit(f"FAIL: kiln doctor does not find {name} (a declared dependency): {d}")
            return d["path"]
    raise SystemExit(f"FAIL: kiln doctor lists no dataset {name}")


def _read_idx(folder, stem, magic, ndim):
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            raw = (gzip.open if name.endswith(".gz") else open)(path, "rb").read()
            got = int.from_bytes(raw[:4], "big")
            assert got == magic, f"{path}: magic {got}, expected {magic}"
            dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise SystemExit(f"FAIL: {folder} has no {stem}[.gz]")


def test_split(folder, n, dataset="mnist"):
    images = _read_idx(folder, "t10k-images-idx3-ubyte", 2051, 3)[:n]
    labels = _read_idx(folder, "t10k-labels-idx1-ubyte", 2049, 1)[:n]
    mean, std = NORMALIZATION[dataset]
    x = ((images.astype(np.float64) / 255.0 - mean) / std).astype(np.float32)
    return x.reshape(len(images), 1, images.shape[1], images.shape[2]), labels.astype(np.int64)
