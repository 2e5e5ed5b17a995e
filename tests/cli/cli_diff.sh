#!/usr/bin/env bash
# kiln diff as a user meets it: bad options and files give one line; kiln's own transformations of
# simple_cnn line up tensor by tensor (the optimizer's removals listed, nothing else unmatched);
# the INT8 model's first divergent node is explained from the quantizer's report; JSON has the
# stable keys; the HTML page renders in headless Chromium (a screenshot with the plot in it); and
# compare's failure points at kiln diff.
source "$(dirname "$0")/lib.sh"
require_python onnx numpy torch torchvision
HERE=$(dirname "$0")

printf 'not a model' >"$WORK/junk.onnx"
expect 2 "--samples must be at least 1" -- diff "$WORK/junk.onnx" "$WORK/junk.onnx" --samples 0
expect 2 "--max-mem must be at least 1" -- diff "$WORK/junk.onnx" "$WORK/junk.onnx" --max-mem 0
expect 2 "--format: .*html" -- diff "$WORK/junk.onnx" "$WORK/junk.onnx" --format pdf
expect 1 "junk.onnx: not an ONNX model" -- diff "$WORK/junk.onnx" "$WORK/junk.onnx"
expect 1 "nope.onnx" -- diff "$WORK/nope.onnx" "$WORK/junk.onnx"
printf '{"a": 1}\n' >"$WORK/r.json"
expect 1 "r.json: not an optimize, quantize-onnx or convert-fp16 report" -- diff "$WORK/junk.onnx" "$WORK/junk.onnx" --explain "$WORK/r.json"

# simple_cnn, random weights: frozen, exported, optimized (opt.onnx, opt.json), and quantized here.
if ! { shared_models cnn "$WORK/m" &&
  "$KILN" quantize-onnx "$WORK/m/model.onnx" -o "$WORK/m/int8.onnx" --mode static --calibrate mnist \
    --calib-samples 64 --eval-samples 0 --report "$WORK/m/q.json" >/dev/null 2>&1; }; then
  echo "FAIL: could not freeze/export/optimize/quantize simple_cnn"
  exit 1
fi
M=$WORK/m

"$KILN" diff "$M/model.onnx" "$M/opt.onnx" --format json --out "$WORK/opt_diff.json" >"$WORK/opt.txt" 2>"$WORK/opt.err"
check "model.onnx vs model_opt.onnx: exit 0, they agree" test $? -eq 0
check "stderr stays empty" test ! -s "$WORK/opt.err"
check "the text says agree" grep -q '^agree: all [0-9]* compared tensors within tolerance' "$WORK/opt.txt"
check "every row lines up: only what the optimizer removed is unmatched" python3 -c '
import json, sys, onnx
d = json.load(open(sys.argv[1]))
ref, opt = onnx.load(sys.argv[2]), onnx.load(sys.argv[3])
outs = lambda m: {o for n in m.graph.node for o in n.output}
gone = outs(ref) - outs(opt)
removed = {r["tensor"] for r in d["removed"]}
ok = removed == gone and not d["added"] and not d["mismatched"] and len(d["tensors"]) == len(outs(opt))
sys.exit(0 if ok and d["agree"] and d["first_divergent"] is None else "removed %s, gone %s, added %s" % (removed, gone, d["added"]))
' "$WORK/opt_diff.json" "$M/model.onnx" "$M/opt.onnx"

"$KILN" diff "$M/model.onnx" "$M/int8.onnx" --explain "$M/q.json" --format json --out "$WORK/q_diff.json" >"$WORK/q.txt" 2>"$WORK/q.err"
check "model.onnx vs INT8: exit 1 (they part)" test $? -eq 1
check "stderr stays empty on a divergence" test ! -s "$WORK/q.err"
check "JSON: stable keys, the first divergent node explained by quantize-onnx" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
fd = d["first_divergent"]
keys = all(k in fd for k in ("node", "op", "output", "max_abs", "rel_l2" if False else "relative_l2"))
keys = keys and all(k in d for k in ("tensors", "samples", "peak_memory_mb", "chunking"))
ok = keys and fd["explanation"] and "quantize-onnx" in fd["explanation"][0] and len(d["samples"]) == 8
t = {x["name"]: x for x in d["tensors"]}[fd["output"]]
ok = ok and t["diverges"] and all(not {x["name"]: x for x in d["tensors"]}[i]["diverges"] for i in fd["inputs"])
sys.exit(0 if ok else "bad diff: %s" % fd)
' "$WORK/q_diff.json"
"$KILN" diff "$M/model.onnx" "$M/int8.onnx" --real-only --samples 4 --format json --out "$WORK/q_real.json" >/dev/null 2>&1
check "--real-only: every sample is a test image" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["samples"]
sys.exit(0 if s == ["mnist test image %d" % i for i in range(4)] else "samples: %s" % s)
' "$WORK/q_real.json"
check "the text names the first divergent node and its explanation" bash -c "grep -q '^first divergent: ' '$WORK/q.txt' && grep -q '  explain: quantize-onnx' '$WORK/q.txt'"

# FP16: judged at FP16 precision by default (agree); held to FP32's bound, the first FP16 node is
# where they part, and convert-fp16's report says why.
"$KILN" convert-fp16 "$M/model.onnx" -o "$M/fp16.onnx" --keep-io-types --report "$M/fp16.json" >/dev/null 2>&1
"$KILN" diff "$M/model.onnx" "$M/fp16.onnx" --format json --out "$WORK/h.json" >/dev/null 2>&1
check "FP16 model: agrees at its own precision, every tensor judged as float16" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["agree"] and all(t["precision"] == "float16" for t in d["tensors"]) else d["verdict"])
' "$WORK/h.json"
"$KILN" diff "$M/model.onnx" "$M/fp16.onnx" --atol 1e-5 --rtol 1e-4 --explain "$M/fp16.json" >"$WORK/h.txt" 2>&1
check "FP16 model at FP32's bound: exit 1, the first FP16 Conv explained by convert-fp16" bash -c \
  "grep -q '^first divergent: .*(Conv)' '$WORK/h.txt' && grep -q 'explain: convert-fp16 runs .* in FP16' '$WORK/h.txt'"

# A memory bound below what the process holds: one tensor per chunk, the same statistics.
"$KILN" diff "$M/model.onnx" "$M/int8.onnx" --max-mem 1 --format json --out "$WORK/q_small.json" >/dev/null 2>&1
check "--max-mem 1: one chunk per tensor, the same first divergent node and errors" python3 -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
same = [x["max_abs"] for x in a["tensors"]] == [x["max_abs"] for x in b["tensors"]]
ok = same and b["chunking"]["chunks"] == len(b["tensors"]) and a["chunking"]["chunks"] == 1
sys.exit(0 if ok and a["first_divergent"]["node"] == b["first_divergent"]["node"] else 1)
' "$WORK/q_diff.json" "$WORK/q_small.json"

# The HTML page renders: headless Chromium takes a screenshot in which the plot's colours appear.
"$KILN" diff "$M/model.onnx" "$M/int8.onnx" --explain "$M/q.json" --format html --out "$WORK/q.html" >/dev/null 2>&1
check "the HTML page is one self-contained file with its plot" bash -c "grep -q '<svg' '$WORK/q.html' && ! grep -q '<script src\|<link ' '$WORK/q.html'"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
  --window-size=900,1200 --screenshot="$WORK/q.png" "file://$WORK/q.html" >/dev/null 2>&1
check "headless Chromium renders it: the screenshot shows the plot's red, blue and orange" \
  python3 "$HERE/check_screenshot.py" "$WORK/q.png" d62728 1f77b4 ff7f0e

# A TorchScript reference, through the export report's value-to-tensor map.
expect 2 "--export-report is required when the reference is TorchScript" -- diff "$M/model_scripted.pt" "$M/model.onnx"
# (--keep-batch-norm: every value LibTorch computes has its ONNX tensor, each Conv's own output too)
"$KILN" export "$M/model_scripted.pt" --keep-batch-norm -o "$M/exported.onnx" --report "$M/export.json" >/dev/null 2>&1
"$KILN" diff "$M/model_scripted.pt" "$M/exported.onnx" --export-report "$M/export.json" --format json --out "$WORK/pt.json" >"$WORK/pt.txt" 2>&1
check ".pt diff's table names each row's TorchScript value" grep -qE '^[A-Za-z_0-9]+ +%[^ ]+ = aten::' "$WORK/pt.txt"
check ".pt vs its export: exit 0, every ONNX tensor lined up with a TorchScript value" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["agree"] and not d["removed"] and not d["added"] and len(d["tensors"]) >= 10
ok = ok and all(t["source"].startswith("%") for t in d["tensors"])
sys.exit(0 if ok else "not lined up: %s" % d["verdict"])
' "$WORK/pt.json"
# Exported with its BatchNormalizations folded (the default): the Convs' own outputs are not
# computed any more, and the diff says so for exactly those; everything else lines up and agrees.
"$KILN" export "$M/model_scripted.pt" -o "$M/folded.onnx" --report "$M/folded.json" >/dev/null 2>&1
"$KILN" diff "$M/model_scripted.pt" "$M/folded.onnx" --export-report "$M/folded.json" --format json --out "$WORK/folded.json" >/dev/null 2>&1
check ".pt vs its BN-folded export: agrees; the two Convs' own outputs are the values without a tensor, and say why" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
removed = [r for r in d["removed"] if r["op"].startswith("aten::")]
ok = d["agree"] and len(removed) == 2 and all("conv" in r["op"] and "BatchNormalization" in r["why"] for r in removed)
sys.exit(0 if ok else "removed: %s; %s" % (d["removed"], d["verdict"]))
' "$WORK/folded.json"
# One Conv weight scaled by 1.1 in the exported model: the .pt diff finds that Conv, every seed.
python3 - "$M/exported.onnx" "$M/perturbed.onnx" <<'PY'
import sys, onnx, numpy as np
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
convs = [n for n in m.graph.node if n.op_type == "Conv"]
inits = {t.name: t for t in m.graph.initializer}
w = inits[convs[1].input[1]]
w.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(w) * np.float32(1.1), w.name))
onnx.save(m, sys.argv[2])
open(sys.argv[2] + ".node", "w").write(convs[1].name)
PY
found=0
for seed in 0 1 2 3 4; do
  "$KILN" diff "$M/model_scripted.pt" "$M/perturbed.onnx" --export-report "$M/export.json" --seed $seed \
    --dataset none --format json --out "$WORK/pert.json" >/dev/null 2>&1
  python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["first_divergent"]["node"] == open(sys.argv[2]).read() else 1)' \
    "$WORK/pert.json" "$M/perturbed.onnx.node" && found=$((found + 1))
done
check ".pt vs an ONNX model with one perturbed Conv: that Conv is first_divergent in 5 of 5 seeds ($found)" test $found -eq 5
# torchvision resnet18 traced (its ReLUs are in place): each value is read as it was computed.
python3 -c "
import torch, torchvision
torch.manual_seed(0)
torch.jit.trace(torchvision.models.resnet18().eval(), torch.randn(1, 3, 64, 64)).save('$M/r18.pt')" 2>/dev/null
"$KILN" export "$M/r18.pt" --keep-batch-norm -o "$M/r18.onnx" --input-shape 1x3x64x64 --report "$M/r18.json" >/dev/null 2>&1
"$KILN" diff "$M/r18.pt" "$M/r18.onnx" --export-report "$M/r18.json" --format json --out "$WORK/r18.json" >/dev/null 2>&1
check "resnet18 traced vs its export: all tensors agree (in-place ReLU read before it runs)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["agree"] and len(d["tensors"]) > 60 and not d["removed"] else d["verdict"])
' "$WORK/r18.json"

# compare's failure points at kiln diff, on the same line.
expect 1 '^kiln: error: models differ: .*\(kiln diff .*model\.onnx .*int8\.onnx shows where they start to differ\)$' -- \
  compare "$M/model.onnx" "$M/int8.onnx" --max-mae 1e-9 --dataset none
finish
