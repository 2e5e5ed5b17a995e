#!/usr/bin/env bash
# kiln compare on models whose difference is known exactly (ONNX files written by ONNX's Python
# helper): a constant offset of 0.5 on every logit must be reported as E = 0.5 (max abs 0.5, top-1
# agreement 100%, equal accuracies) and fail the default bound; a different output shape and a
# different output count are one-line errors. The dataset set's numbers are recomputed in Python
# on the same MNIST test images kiln reads.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
require_python onnx numpy onnxruntime
cd "$WORK"

python3 - <<'PY' || { echo "FAIL: could not write the ONNX fixtures"; exit 1; }
import numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
rng = np.random.default_rng(5)
W = rng.normal(0, 0.05, (784, 10)).astype(np.float32)
b = rng.normal(0, 0.1, (10,)).astype(np.float32)
def model(path, classes=10, offset=None, second_output=False):
    inits = [numpy_helper.from_array(np.array([-1, 784], np.int64), "shape"),
             numpy_helper.from_array(W[:, :classes].copy(), "W"), numpy_helper.from_array(b[:classes].copy(), "b")]
    nodes = [helper.make_node("Reshape", ["input", "shape"], ["flat"]),
             helper.make_node("MatMul", ["flat", "W"], ["mm"]),
             helper.make_node("Add", ["mm", "b"], ["logits" if offset is not None else "output"])]
    if offset is not None:
        inits.append(numpy_helper.from_array(np.array([offset], np.float32), "offset"))
        nodes.append(helper.make_node("Add", ["logits", "offset"], ["output"]))
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", classes])]
    if second_output:
        nodes.append(helper.make_node("Relu", ["output"], ["extra"]))
        outputs.append(helper.make_tensor_value_info("extra", TensorProto.FLOAT, ["N", classes]))
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
                          outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)
model("base.onnx")
model("offset.onnx", offset=0.5)
model("narrow.onnx", classes=5)
model("two.onnx", second_output=True)
PY

# 1. A constant offset of 0.5: E is the offset, and the default bound (1e-3) fails.
expect_exact 1 "kiln: error: models differ: E = 0.5 exceeds the bound 0.001 (kiln diff base.onnx offset.onnx shows where they start to differ)" -- \
  compare base.onnx offset.onnx --samples 128 --report offset.json
check "offset: report written for the failed comparison" test -s offset.json
check "offset: E, max abs, top-1 and accuracy match the known offset and Python's numbers" \
  python3 - "$KILN" "$HERE" <<'PY'
import json, sys
import os
import numpy as np
sys.path.insert(0, sys.argv[2])
from mnist_idx import kiln_dataset_dir, test_split
r = json.load(open("offset.json"))
problems = []
def near(what, got, want, tol):
    if not abs(got - want) <= tol:
        problems.append(f"{what} = {got!r}, expected {want!r} ± {tol}")
tot = r["total"]
near("total E", tot["mean_abs_error"], 0.5, 1e-6)
near("total max abs", tot["max_abs_error"], 0.5, 1e-6)
if tot["elements"] != 10 * (1 + 32 + 1 + 128):
    problems.append(f"total elements {tot['elements']}, expected {10 * 162}")
if [s["batch"] for s in r["sets"]] != [1, 32, 1, 64]:
    problems.append(f"sets {[(s['inputs'], s['batch']) for s in r['sets']]}")
for s in r["sets"]:
    near(f"E of '{s['inputs']}'", s["error"]["mean_abs_error"], 0.5, 1e-6)
    if s["error"].get("top1_agreement") != 1.0:
        problems.append(f"top-1 agreement of '{s['inputs']}' is {s['error'].get('top1_agreement')} (a constant offset keeps the argmax)")
if r["passed"] or r["failures"] != ["E = 0.5 exceeds the bound 0.001"]:
    problems.append(f"passed {r['passed']}, failures {r['failures']}")
# The dataset set, recomputed: the same 128 images through the same model in ONNX Runtime.
x, labels = test_split(kiln_dataset_dir(sys.argv[1]), 128)
saved = os.dup(2)  # ONNX Runtime's schema-registration noise (shared libonnx) off stderr
os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
import onnxruntime as ort
y = ort.InferenceSession("base.onnx", providers=["CPUExecutionProvider"]).run(None, {"input": x})[0].astype(np.float64)
os.dup2(saved, 2)
images = r["sets"][3]["error"]
near("dataset set relative L2", images["relative_l2"], 0.5 * np.sqrt(y.size) / np.linalg.norm(y), 1e-5)
acc = float((y.argmax(1) == labels).mean())
a = r.get("accuracy", {})
if a.get("samples") != 128 or a.get("reference") != acc or a.get("target") != acc or a.get("delta_pp") != 0.0:
    problems.append(f"accuracy {a}, expected reference = target = {acc} on 128 samples, delta 0")
if problems:
    print("\n".join(problems))
    sys.exit(1)
PY
# The same pair within a bound above the offset passes; an element-wise atol below it fails on
# every element (10 classes × 162 inputs).
check "offset within --max-mae 0.6 passes" bash -c "'$KILN' compare base.onnx offset.onnx --samples 128 --max-mae 0.6 2>/dev/null | tail -1 | grep -qx PASS"
expect_exact 1 "kiln: error: models differ: 1620 elements outside atol 0.4 + rtol 0·|y| (kiln diff base.onnx offset.onnx shows where they start to differ)" -- \
  compare base.onnx offset.onnx --samples 128 --max-mae 0.6 --atol 0.4
check "text report states E and the bound" grep -qx "E = 0.5 (bound 0.6), max abs 0.5, relative L2 .*, top-1 agreement 100.00%" "$WORK/stdout"
check "the same model compares at E = 0" bash -c "'$KILN' compare base.onnx base.onnx --samples 64 --max-mae 0 2>/dev/null | grep -qx 'E = 0 (bound 0), max abs 0, relative L2 0, top-1 agreement 100.00%'"

# 2. Another output shape (10 vs 5 classes): a one-line failure naming both shapes.
expect_exact 1 "kiln: error: models differ: output shapes differ: 32x10 vs 32x5 (kiln diff base.onnx narrow.onnx shows where they start to differ)" -- \
  compare base.onnx narrow.onnx --dataset none --report narrow.json
check "shape mismatch: report says so" python3 -c "
import json, sys
r = json.load(open('narrow.json'))
sys.exit(0 if not r['passed'] and r['failures'] == ['output shapes differ: 32x10 vs 32x5']
         and r['sets'][0]['error']['shape_problem'] == 'output shapes differ: 1x10 vs 1x5' else 1)"

# 3. Another output count: an error before any metric, nothing written.
expect_exact 1 "kiln: error: the models return 1 and 2 outputs" -- compare base.onnx two.onnx --dataset none --report two.json
check "output count mismatch writes no report" test ! -e two.json
finish
