"""The baseline kiln diff's wall time is held to: the two models' plain inference on the same
number of samples (batch 1), session creation included, in ONNX Runtime's Python API on the same
library kiln links. Prints one JSON line."""
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    ref, target, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
    t0 = time.perf_counter()
    for path in (ref, target):
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        inp = session.get_inputs()[0]
        shape = [d if isinstance(d, int) else 1 for d in inp.shape]
        rng = np.random.default_rng(0)
        for _ in range(samples):
            session.run(None, {inp.name: rng.standard_normal(shape, dtype=np.float32)})
    print(json.dumps({"plain_inference_s": time.perf_counter() - t0, "samples": samples}))


main()
