"""onnx_check's bound, case by case, on made-up outputs (no model): 1e-4; 2x the entry's
fp32_noise; and, past that by less than 100x, ONNX Runtime no more than twice as far from the
case's float64 outputs as eager float32 is (kiln's own verification rule).
    python3 onnx_check_test.py
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import onnx_check  # noqa: E402


def case_with(tmp: Path, exact: np.ndarray, eager: np.ndarray, f64: bool):
    np.save(tmp / "out.npy", eager)
    case = {"name": "c", "outputs": {"y": "out.npy"}}
    if f64:
        np.save(tmp / "out64.npy", exact)
        case["outputs_f64"] = {"y": "out64.npy"}
    return case


def main() -> int:
    rng = np.random.default_rng(0)
    exact = rng.normal(size=4096) + 3.0  # mean |exact| ~ 3
    unit = np.abs(exact).mean()
    direction = np.sign(rng.normal(size=4096))
    eager = (exact + 1e-4 * unit * direction).astype(np.float32)  # eager float32: 1e-4 from exact
    entry = {"outputs": ["y"], "fp32_noise": 1e-4}  # bound 2e-4 without the float64 rule
    failures = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)

        def problem(ort_out, f64=True):
            return onnx_check.compare_case(entry, case_with(tmp, exact, eager, f64), tmp, [ort_out.astype(np.float32)])[1]

        # ORT rounding to the other side of the exact answer, 1.5e-4 from it: 2.5e-4 from eager,
        # beyond 2x noise, yet closer to float64 than twice eager's distance -> passes.
        opposite = exact - 1.5e-4 * unit * direction
        if problem(opposite) is not None:
            failures.append(f"opposite-side rounding refused: {problem(opposite)}")
        if problem(opposite, f64=False) is None:
            failures.append("without float64 outputs the 2x-noise bound alone must refuse it")
        # 3e-4 from exact on the other side (3x eager's distance): an error -> refused.
        far = exact - 3e-4 * unit * direction
        if problem(far) is None:
            failures.append("3x eager's distance from float64 accepted")
        # Within 2x noise of eager: passes either way.
        near = eager.astype(np.float64) + 1e-4 * unit * direction
        if problem(near, f64=False) is not None:
            failures.append(f"within 2x noise refused: {problem(near, f64=False)}")
        # 100x past the bound: refused even when close to float64 on average (a moved box).
        wild = exact.copy()
        wild[:40] += 3.0 * unit * 100
        if problem(wild) is None:
            failures.append("an output 100x past the bound accepted")
    for f in failures:
        print("FAIL:", f)
    print(f"{5 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
