"""How long an ONNX Runtime session's threads keep spinning after a run, and what that costs the
next session's run (docs/bench.md "Why interleaved"; bench/RESULTS.md, session 10). Two sessions
of the same model, 2 intra-op threads each: session A runs, the script sleeps GAP, then times
session B; the same with B after B as the baseline. Median of 30 per gap.

  scripts/toolchain.sh run python3 bench/ort_spin_after_run.py MODEL.onnx BATCH
"""
import sys
import time

import numpy as np
import onnxruntime as ort

model, batch = sys.argv[1], int(sys.argv[2])


def session():
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


a, b = session(), session()
name = a.get_inputs()[0].name
shape = [batch if not isinstance(d, int) else d for d in a.get_inputs()[0].shape]
x = {name: np.random.default_rng(0).standard_normal(shape).astype(np.float32)}
for s in (a, b):
    for _ in range(20):
        s.run(None, x)


def median_after(first, gap):
    times = []
    for _ in range(30):
        first.run(None, x)
        time.sleep(gap)
        t0 = time.perf_counter()
        b.run(None, x)
        times.append(time.perf_counter() - t0)
    return np.median(times) * 1e3


for gap in [0, 0.005, 0.01, 0.02, 0.025, 0.03, 0.05, 0.1]:
    print(f"gap {gap * 1e3:5.1f} ms: B after A {median_after(a, gap):.3f} ms, "
          f"B after B {median_after(b, gap):.3f} ms")
