#!/usr/bin/env bash
# kiln export hands its verification to the LibTorch-free kiln (export/verification_handoff.h)
# when the written model is large (KILN_VERIFY_HANDOVER_BYTES=0 forces it here, a huge value keeps
# it in kiln-torch): both ways give the same model, the same verdicts and the same report; the
# float64 oracle runs as a kiln-torch child; ONNX Runtime's sessions run in a process without
# LibTorch; a verdict that fails there leaves no model, no report, no temporary and no handoff.
source "$(dirname "$0")/lib.sh"
require_python torch numpy
cd "$WORK"
export TMPDIR=$WORK/tmp  # the handoff folders land here: none may stay
mkdir -p "$TMPDIR"

cat >make_models.py <<'PY'
import torch
torch.manual_seed(0)

class ConvBn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 16, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(16)
        self.bn.running_mean.uniform_(-2, 2)
        self.bn.running_var.uniform_(0.05, 4)
        self.conv2 = torch.nn.Conv2d(16, 8, 3, padding=1)
        self.head = torch.nn.Linear(8, 5)
    def forward(self, x):
        y = self.conv2(self.bn(self.conv(x)).relu())
        return self.head(y.mean((2, 3))), y.amax(1)
torch.jit.script(ConvBn().eval()).save("convbn.pt")
PY
python3 make_models.py || { echo "FAIL: make_models.py"; exit 1; }

IN=(--input x:float32:n=2x3xh=12xw=10)
HANDOVER=(env KILN_VERIFY_HANDOVER_BYTES=0)
IN_PLACE=(env KILN_VERIFY_HANDOVER_BYTES=18446744073709551615)

# Both ways: the same bytes, the same verdicts, the same report but for its timings.
check "handed over: exit 0" bash -c '"$@" >/dev/null' _ "${HANDOVER[@]}" "$KILN" export convbn.pt "${IN[@]}" -o over.onnx --report over.json
check "in place: exit 0" bash -c '"$@" >/dev/null' _ "${IN_PLACE[@]}" "$KILN" export convbn.pt "${IN[@]}" -o place.onnx --report place.json
check "the same model bytes" cmp over.onnx place.onnx
check "the same report but for the timings and paths" python3 - <<'PY'
import json
a, b = json.load(open("over.json")), json.load(open("place.json"))
for r in (a, b):
    assert r["onnx"].endswith(".onnx") and "/." not in r["onnx"], r["onnx"]  # the target, not a temporary
    for k in ("seconds", "timings", "onnx"):
        r.pop(k)
assert a == b, [k for k in a if a[k] != b.get(k)]
assert [v["ort_optimizations"] for v in a["verification"]] == ["disabled", "all"]
PY

# The float64 oracle, consulted when the bound is ten times below the error: a kiln-torch child
# when handed over; the same figures either way.
tol=$(python3 -c "import json; r=json.load(open('place.json')); print(max(v['max_rel_mean_abs'] for v in r['verification']) / 10)")
check "the model's error is not zero (the oracle can be asked)" python3 -c "import sys; sys.exit(not float('$tol') > 0)"
"${HANDOVER[@]}" KILN_MEMORY_TRACE=1 "$KILN" export convbn.pt "${IN[@]}" --verify-tolerance "$tol" -o over64.onnx \
  >over64.out 2>over64.err
check "handed over with the float64 oracle: exit 0" test -s over64.onnx
"${IN_PLACE[@]}" "$KILN" export convbn.pt "${IN[@]}" --verify-tolerance "$tol" -o place64.onnx >place64.out 2>/dev/null
check "in place with the float64 oracle: exit 0" test -s place64.onnx
check "float64 figures printed" grep -q "from float64" place64.out
check "the same verdict lines both ways" bash -c 'diff <(grep -v "^wrote" over64.out) <(grep -v "^wrote" place64.out)'
check "the oracle ran in a kiln-torch child" grep -q "^kiln memory: float64 oracle (kiln-torch child)" over64.err
# The sessions' process holds no LibTorch: tens of MiB where kiln-torch is ~150 MiB before a model.
check "ONNX Runtime's sessions ran without LibTorch" python3 - <<'PY'
import re
lines = open("over64.err").read().splitlines()
now = {m.group(1): int(m.group(2)) for l in lines if (m := re.match(r"kiln memory: (.*?): peak \d+ MiB, now (\d+) MiB", l))}
assert now["write"] > 120, now  # kiln-torch, LibTorch loaded
assert now["ONNX Runtime, all optimizations"] < 100, now  # kiln, without it
PY

# A verdict that fails in the handed-over process: one line, nothing written, nothing left.
expect 1 "differs from LibTorch" -- export convbn.pt "${IN[@]}" --verify-tolerance 1e-15 -o bad.onnx --report bad.json
export KILN_VERIFY_HANDOVER_BYTES=0
expect 1 "differs from LibTorch" -- export convbn.pt "${IN[@]}" --verify-tolerance 1e-15 -o bad.onnx --report bad.json
unset KILN_VERIFY_HANDOVER_BYTES
check "no model, no report" bash -c '! ls bad.* .bad.* 2>/dev/null | grep -q .'
check "no temporaries beside the outputs" bash -c '! ls -a | grep -q "\.tmp$"'
check "no handoff folder left" bash -c '[[ -z $(ls -A "$TMPDIR") ]]'

# No writable temporary folder: the verification stays in kiln-torch, and the export succeeds.
check "an unwritable TMPDIR verifies in place" bash -c \
  'TMPDIR=$PWD/no-such-dir KILN_VERIFY_HANDOVER_BYTES=0 "$@" >/dev/null' _ "$KILN" export convbn.pt "${IN[@]}" -o notmp.onnx
check "the same model bytes" cmp notmp.onnx place.onnx

# The internal command removes its folder at the end: never one that is not a handoff.
mkdir -p keep && echo data >keep/file
expect 2 "not a folder kiln export handed over" -- export-verify keep
mkdir -p kiln-export-1-2 && echo data >kiln-export-1-2/file
expect 2 "not a folder kiln export handed over" -- export-verify kiln-export-1-2
check "both folders kept" test -s keep/file -a -s kiln-export-1-2/file
finish
