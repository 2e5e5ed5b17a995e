#!/usr/bin/env bash
# A model just over protobuf's 2 GiB limit, made at test time (issue 33, label slow): its weights
# live in external data (ONNX's only form for it). From another working directory kiln optimizes it
# (verified in ONNX Runtime, written with external data of its own), compare runs both, and an
# artifact holding it passes kiln validate and validate.py. Needs ~12 GB of free disk and ~8 GB of
# memory; it says so and fails when the disk is short (never a silent skip).
source "$(dirname "$0")/lib.sh"
require_python numpy onnx onnxruntime
SRC=$(cd "$CLI_TESTS/../.." && pwd)
need_kb=$((12 * 1024 * 1024))
free_kb=$(df -Pk "$WORK" | awk 'NR == 2 {print $4}')
if ((free_kb < need_kb)); then
  echo "FAIL: $((free_kb / 1024)) MiB free under $WORK; this test needs 12 GiB"
  exit 1
fi
cd "$WORK" || exit 1
mkdir -p m o elsewhere

# y = W[x·0 cast to an index]: a Gather the optimizer cannot fold (the index depends on x), so W
# (132000 × 4096 float32 = 2.16 GB, just over 2^31 bytes) stays an initializer; an Identity gives
# eliminate_identity something to do.
python3 - <<'PY'
import numpy as np, onnx
from onnx import TensorProto, helper, numpy_helper
rows, cols = 132000, 4096
w = np.empty((rows, cols), np.float32)
w[:] = np.arange(cols, dtype=np.float32) / cols
w[0] += 1.0
t = numpy_helper.from_array(w, "W")
del w
g = helper.make_graph([
    helper.make_node("Mul", ["x", "zero"], ["x0"]),
    helper.make_node("Cast", ["x0"], ["idx"], to=TensorProto.INT64),
    helper.make_node("Gather", ["W", "idx"], ["g"], axis=0),
    helper.make_node("Identity", ["g"], ["y"]),
], "large", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", cols])],
    [t, numpy_helper.from_array(np.array(0, np.float32), "zero")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
onnx.save(m, "m/model.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
          location="weights.bin", size_threshold=1024)
PY
check "a model with 2.16 GB of external data" test "$(stat -c %s m/weights.bin)" -gt 2147483648

cd elsewhere || exit 1
out=$("$KILN" optimize ../m/model.onnx -o ../o/opt.onnx 2>&1)
check "optimize from another working directory: $(printf '%s' "$out" | tail -1)" grep -q '^wrote ../o/opt.onnx' <<<"$out"
check "verified in ONNX Runtime" grep -q 'verification: .*passed' <<<"$out"
check "the optimized model is written with external data" test -s ../o/opt.onnx.data -a "$(stat -c %s ../o/opt.onnx 2>/dev/null || echo 0)" -lt 1048576
out=$("$KILN" compare ../m/model.onnx ../o/opt.onnx --input x:float32:N=1/2 --dataset none 2>&1)
check "compare from another working directory: $(printf '%s' "$out" | tail -1)" test "$(printf '%s' "$out" | tail -1)" = PASS
cd ..

# An artifact holding it, built as pack lays one out (pack copies a single model file today).
python3 - "$SRC/src/artifact/validate.py" <<'PY'
import hashlib, os, shutil, sys
import numpy as np, onnx, onnxruntime as ort
from onnx import numpy_helper
os.makedirs("art/test_data_set_0")
shutil.copy("o/opt.onnx", "art/model_opt.onnx")
shutil.copy("o/opt.onnx.data", "art/opt.onnx.data")  # the location the model names
shutil.copy(sys.argv[1], "art/validate.py")
x = np.array([0.5, -2.0], np.float32)
s = ort.InferenceSession("art/model_opt.onnx", providers=["CPUExecutionProvider"])
y = s.run(None, {"x": x})[0]
onnx.save_tensor(numpy_helper.from_array(x, "x"), "art/test_data_set_0/input_0.pb")
onnx.save_tensor(numpy_helper.from_array(y, "y"), "art/test_data_set_0/output_0.pb")
def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            h.update(chunk)
    return h.hexdigest()
files = {r: sha(f"art/{r}") for r in ("model_opt.onnx", "opt.onnx.data", "validate.py",
                                      "test_data_set_0/input_0.pb", "test_data_set_0/output_0.pb")}
meta = f"""# kiln artifact metadata (schema 1). Checked by kiln validate and validate.py.
schema_version: 1
model_name: large
version: 1.0.0
opset: 17
precision: fp32
optimization: [eliminate_identity]
runtime: onnxruntime {ort.__version__}
latency_ms: 1.0
accuracy_drop: ~
created: 2026-01-01T00:00:00Z
equivalence:
  bound: 1.0e-05
  measured: 0.0
  metric: mean_abs_error
files:
""" + "".join(f"  {k}: {v}\n" for k, v in sorted(files.items())) + """inputs:
  x:
    dtype: float32
    shape: [N]
kiln_version: 0.1.0
outputs:
  y:
    dtype: float32
    shape: [N, 4096]
"""
open("art/metadata.yaml", "w").write(meta)
PY
cd elsewhere || exit 1
out=$("$KILN" validate ../art 2>&1)
check "kiln validate from another working directory: $(printf '%s' "$out" | grep -E 'FAIL|INVALID|error' | head -1)" grep -q '^artifact valid' <<<"$out"
out=$(python3 ../art/validate.py ../art 2>&1)
check "validate.py from another working directory: $(printf '%s' "$out" | grep -E 'FAIL|Traceback' | head -1)" grep -q '^artifact valid' <<<"$out"
cd ..
rm -rf m o art
finish
