#!/usr/bin/env bash
# kiln convert-fp16 as a user meets it: bad options give one line and exit 2 with nothing written;
# simple_cnn (random weights, exported by kiln) converts to FP16 at about half the size, with
# float16 or (--keep-io-types) float32 interfaces that ONNX Runtime in Python runs and that agree
# with the FP32 model; the report says what it measured; --block-ops keeps an op FP32.
source "$(dirname "$0")/lib.sh"
require_python onnx numpy onnxruntime

printf 'not a model' >"$WORK/junk.onnx"
expect 2 "--out is required \(where to write the FP16 model\)" -- convert-fp16 "$WORK/junk.onnx"
expect 2 "IN.onnx is required \(the FP32 ONNX model\)" -- convert-fp16 -o "$WORK/h.onnx"
expect 2 "--calib-samples must be at least 1" -- convert-fp16 "$WORK/junk.onnx" -o "$WORK/h.onnx" --calib-samples 0
expect 1 "junk.onnx: not an ONNX model" -- convert-fp16 "$WORK/junk.onnx" -o "$WORK/h.onnx"

shared_models cnn "$WORK/m" || exit 1  # simple_cnn, random weights, exported
M=$WORK/m/model.onnx
expect 2 "--block-nodes: no node is named 'nope'" -- convert-fp16 "$M" -o "$WORK/h.onnx" --block-nodes nope
check "nothing written after failed runs" test ! -e "$WORK/h.onnx"

out=$("$KILN" convert-fp16 "$M" -o "$WORK/h.onnx" --calibrate mnist --calib-samples 64 --eval-samples 500 \
  --report "$WORK/h.json" 2>"$WORK/stderr")
check "converts (rc=$?)" test -s "$WORK/h.onnx"
check "stderr stays empty" test ! -s "$WORK/stderr"
check "prints size, ranges and the check" bash -c "grep -q '^FP16: .* (0.50×), 11 nodes FP16, 0 kept FP32' <<<\"\$1\" &&
  grep -q '^ranges measured on 64 samples of mnist' <<<\"\$1\" && grep -q 'new NaN/Inf 0' <<<\"\$1\"" _ "$out"
out=$("$KILN" convert-fp16 "$M" -o "$WORK/hk.onnx" --keep-io-types --block-ops Gemm --report "$WORK/hk.json" 2>&1)
check "--block-ops Gemm keeps both Gemms FP32 and says so" bash -c "[[ \$(grep -c '^kept FP32: .* (Gemm): --block-ops Gemm' <<<\"\$1\") == 2 ]]" _ "$out"
check "models and reports agree with ONNX Runtime in Python" python3 - "$WORK" <<'PY'
import json, os, sys
import numpy as np
w = sys.argv[1]
saved = os.dup(2)
os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
import onnx, onnxruntime as ort
os.dup2(saved, 2)
problems = []
fp32 = os.path.getsize(f"{w}/m/model.onnx")
x = np.random.default_rng(0).normal(size=(8, 1, 28, 28)).astype(np.float32)
ref = ort.InferenceSession(f"{w}/m/model.onnx", providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
for f, io, blocked in (("h", 10, 0), ("hk", 1, 2)):
    m = onnx.load(f"{w}/{f}.onnx")
    onnx.checker.check_model(m, full_check=True)
    r = json.load(open(f"{w}/{f}.json"))
    t_in = m.graph.input[0].type.tensor_type.elem_type
    t_out = m.graph.output[0].type.tensor_type.elem_type
    if (t_in, t_out) != (io, io):
        problems.append(f"{f}: input/output types {t_in}/{t_out}, want {io}")
    size = os.path.getsize(f"{w}/{f}.onnx")  # hk keeps the Gemms, which hold most weights, FP32
    if not (size <= 0.55 * fp32 if f == "h" else size > 0.9 * fp32) or r["bytes"]["after"] != size:
        problems.append(f"{f}: size {os.path.getsize(f'{w}/{f}.onnx')} vs FP32 {fp32}, report {r['bytes']}")
    if len(r["blocked"]) != blocked or r["new_non_finite"] != 0 or r["keep_io_types"] != (io == 1):
        problems.append(f"{f}: report {r['blocked']} {r['new_non_finite']} {r['keep_io_types']}")
    s = ort.InferenceSession(f"{w}/{f}.onnx", providers=["CPUExecutionProvider"])
    y = s.run(None, {"input": x.astype(np.float16 if io == 10 else np.float32)})[0].astype(np.float32)
    rel = float(np.linalg.norm(y - ref) / np.linalg.norm(ref))
    if not np.isfinite(y).all() or rel > 1e-2:
        problems.append(f"{f}: relative L2 {rel} against FP32")
r = json.load(open(f"{w}/h.json"))
if r["calibration"] != "mnist" or r["calibration_samples"] != 64 or r["test"]["samples"] != 500:
    problems.append(f"h: calibration/test {r['calibration']} {r['calibration_samples']} {r['test']}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
# Packed: metadata.yaml says fp16 and lists the FP16 record's nodes kept FP32 (none here).
check "pack --fp16-report" bash -c "'$KILN' convert-fp16 '$M' -o '$WORK/hp.onnx' --keep-io-types --report '$WORK/hp.json' >/dev/null 2>&1 &&
  '$KILN' pack --model '$WORK/hp.onnx' --reference '$WORK/m/model_scripted.pt' --dataset none --fp16-report '$WORK/hp.json' \
    --max-mae 0.01 --out '$WORK/art' >/dev/null 2>&1"
check "metadata.yaml: precision fp16 and the FP16 record" python3 -c '
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
sys.exit(0 if m["precision"] == "fp16" and m["fp16"]["kept_fp32"] == [] and m["fp16"]["fp16_nodes"] == 11 else 1)
' "$WORK/art/metadata.yaml"
finish
