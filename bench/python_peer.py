#!/usr/bin/env python3
"""The seminar's own Python flow as a peer baseline for `kiln bench`.

Same models, same input shape, same settings, same measurement scheme as kiln bench:
onnxruntime.InferenceSession for .onnx files (session.run, as the seminar does), torch.jit.load
for TorchScript .pt files (under torch.inference_mode), models interleaved A, B, A, B after the
warm-ups, one time.perf_counter_ns() sample per run, numpy percentiles (linear interpolation,
the same definition kiln uses). Writes JSON in kiln bench's layout ("models", "results").

Run it with the toolchain's python3 (python3-torch, python3-onnxruntime from Debian 13), with
OMP_WAIT_POLICY=PASSIVE in the environment like kiln (see ../docs/toolchain.md, thread pools).
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+")
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--batch", default="1,64")
    p.add_argument("--threads", type=int, default=0, help="0: the libraries' defaults")
    p.add_argument("--ort-opt", default="all", choices=["disable", "basic", "extended", "all"])
    p.add_argument("--no-spinning", action="store_true")
    p.add_argument("--input-shape", default="", help="e.g. 1x1x28x28 (default: the ONNX input)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="", help="write the JSON here (default: stdout)")
    return p.parse_args()


def stats(samples_ms):
    a = np.asarray(samples_ms, dtype=np.float64)
    mean = float(a.mean())
    std = float(a.std(ddof=1)) if a.size > 1 else 0.0
    return {"runs": int(a.size), "p50_ms": float(np.percentile(a, 50)),
            "p90_ms": float(np.percentile(a, 90)), "p99_ms": float(np.percentile(a, 99)),
            "mean_ms": mean, "min_ms": float(a.min()), "max_ms": float(a.max()),
            "std_ms": std, "cv": std / mean if mean > 0 else 0.0}


def is_torchscript(path):
    with open(path, "rb") as f:
        return f.read(2) == b"PK"


class OrtModel:
    engine = "onnxruntime (Python)"

    def __init__(self, path, args):
        import onnxruntime as ort
        so = ort.SessionOptions()
        if args.threads > 0:
            so.intra_op_num_threads = args.threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = {
            "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
            "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}[args.ort_opt]
        so.add_session_config_entry("session.intra_op.allow_spinning",
                                    "0" if args.no_spinning else "1")
        self.session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def declared_shape(self):
        return self.session.get_inputs()[0].shape

    def prepare(self, x):
        self.feed = {self.input_name: x}

    def run(self):
        self.session.run(None, self.feed)


class TorchModel:
    engine = "libtorch (Python torch.jit)"

    def __init__(self, path, args):
        import torch
        self.torch = torch
        if args.threads > 0:
            torch.set_num_threads(args.threads)
        self.module = torch.jit.load(path, map_location="cpu").eval()

    def declared_shape(self):
        return None

    def prepare(self, x):
        self.x = self.torch.from_numpy(x)

    def run(self):
        with self.torch.inference_mode():
            self.out = self.module(self.x)


def main():
    args = parse_args()
    batches = [int(b) for b in args.batch.split(",")]
    models = [TorchModel(p, args) if is_torchscript(p) else OrtModel(p, args) for p in args.models]
    shape = None
    if args.input_shape:
        shape = [int(d) for d in args.input_shape.replace(",", "x").split("x")]
    else:
        for m in models:
            s = m.declared_shape()
            if s:
                shape = [1 if not isinstance(d, int) else d for d in s]
                break
    if shape is None:
        sys.exit("python_peer: --input-shape is required when no model is ONNX")
    n = len(models)
    results = []
    for batch in batches:
        rng = np.random.default_rng(args.seed + batch)
        x = rng.standard_normal([batch] + shape[1:], dtype=np.float32)
        for m in models:
            m.prepare(x)
        samples = [[] for _ in range(n)]
        for i in range(args.warmup):
            for m in models:
                m.run()
        clock = time.perf_counter_ns
        for i in range(args.runs):
            for k, m in enumerate(models):
                t0 = clock()
                m.run()
                samples[k].append((clock() - t0) / 1e6)
        for k in range(n):
            st = stats(samples[k])
            results.append({"model": k, "batch": batch, "latency": st,
                            "throughput_calls_per_s": 1000.0 / st["mean_ms"],
                            "throughput_samples_per_s": 1000.0 * batch / st["mean_ms"]})
    import onnxruntime
    import torch
    report = {
        "tool": "bench/python_peer.py",
        "settings": {"runs": args.runs, "warmup": args.warmup, "batches": batches,
                     "threads": args.threads or "default", "ort_opt": args.ort_opt,
                     "allow_spinning": not args.no_spinning, "input_shape": shape,
                     "schedule": "interleaved (A, B, A, B ...)",
                     "torch_threads": torch.get_num_threads(),
                     "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "")},
        "versions": {"python": sys.version.split()[0], "onnxruntime": onnxruntime.__version__,
                     "torch": torch.__version__, "numpy": np.__version__},
        "models": [{"name": os.path.basename(p), "path": p, "engine": m.engine,
                    "size_bytes": os.path.getsize(p)} for p, m in zip(args.models, models)],
        "results": results,
    }
    text = json.dumps(report, indent=2) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
