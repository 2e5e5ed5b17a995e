#!/usr/bin/env python3
"""Per-node kernel times of ONNX models in Python onnxruntime's profiler: what each node of the
graph ONNX Runtime actually runs (after its own optimizations: NCHWc, NHWC, QDQ fusion) costs.

  scripts/toolchain.sh run python3 bench/ort_node_profile.py MODEL.onnx [MODEL.onnx ...] \
      [--batch 64] [--threads 2] [--runs 200]

Random inputs of the model's own shape (dynamic dims at --batch); 50 warm-up runs, then --runs
profiled runs; each node's median kernel time in µs, and their sum. Writes nothing but the
profiler's JSON under /tmp. bench/RESULTS.md quotes it (issue 18, channel padding).
"""
import argparse
import collections
import json
import os
import tempfile

import numpy as np
import onnxruntime as ort


def profile(path, batch, threads, runs):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.enable_profiling = True
    so.profile_file_prefix = os.path.join(tempfile.gettempdir(), "kiln_ort_profile")
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in s.get_inputs():
        shape = [d if isinstance(d, int) else batch for d in i.shape]
        feeds[i.name] = np.random.default_rng(0).random(shape, dtype=np.float32)
    for _ in range(50):
        s.run(None, feeds)
    for _ in range(runs):
        s.run(None, feeds)
    events = json.load(open(s.end_profiling()))
    times = collections.defaultdict(list)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            times[(e["name"][: -len("_kernel_time")], e["args"]["op_name"])].append(e["dur"])
    print(f"== {path} (batch {batch}, {threads} threads, median of the last {runs} runs)")
    total = 0.0
    for (node, op), v in times.items():
        med = float(np.median(v[-runs:]))
        total += med
        print(f"  {op:18s} {node[:44]:44s} {med:9.1f} µs")
    print(f"  {'sum':63s} {total:9.1f} µs")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=200)
    a = ap.parse_args()
    ort.set_default_logger_severity(3)
    for m in a.models:
        profile(m, a.batch, a.threads, a.runs)


if __name__ == "__main__":
    main()
