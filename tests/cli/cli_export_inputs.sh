#!/usr/bin/env bash
# kiln export on a user's model the way users call it: several inputs of several dtypes from an
# --example file (torch.save dict, .npz, .npy), checked against Python's own LibTorch and ONNX
# Runtime on those values; a disagreeing or broken example file, an op no loaded library provides
# and a size baked in at tracing are one-line errors that leave nothing behind; torchvision's ops
# load by themselves; --list-ops agrees with its JSON report.
source "$(dirname "$0")/lib.sh"
require_python torch numpy onnxruntime torchvision
cd "$WORK"

cat >make_models.py <<'PY'  # a file: torch.jit.script reads the classes' source
import numpy as np, torch, torchvision
torch.manual_seed(0)

class Tokens(torch.nn.Module):
    # ids + mask, two dynamic dims: an embedding, a masked mean and a head
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(50, 8)
        self.head = torch.nn.Linear(8, 3)
    def forward(self, ids, mask):
        h = self.emb(ids) * mask.unsqueeze(-1).float()
        return self.head(h.sum(1) / mask.float().sum(1, keepdim=True).clamp(min=1))

m = Tokens().eval()
torch.jit.script(m).save("tokens.pt")
ids = torch.randint(0, 50, (3, 5))
mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=torch.bool)
torch.save({"mask": mask, "ids": ids}, "example.pt")  # a dict, names out of order
np.savez("example.npz", ids=ids.numpy(), mask=mask.numpy())
np.savez("positional.npz", ids.numpy(), mask.numpy())  # arr_0, arr_1
torch.save({"ids": ids.float(), "mask": mask}, "wrong_dtype.pt")
np.save("one.npy", np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32))
ids2 = torch.randint(0, 50, (2, 7))  # a second size with no relation to the first (not 2x)
mask2 = torch.tensor([[1] * 7, [1, 1, 0, 0, 0, 0, 0]], dtype=torch.bool)
np.savez("second.npz", ids=ids2.numpy(), mask=mask2.numpy())
np.savez("same_size.npz", ids=ids.numpy(), mask=mask.numpy())
with torch.no_grad():
    np.save("expected.npy", m(ids, mask).numpy())

class Boxes(torch.nn.Module):
    def forward(self, boxes, scores):
        return torchvision.ops.nms(boxes, scores, 0.5)
torch.jit.script(Boxes()).save("boxes.pt")
xy = torch.rand(6, 2) * 10  # valid boxes (x1 < x2, y1 < y2), some overlapping
torch.save((torch.cat([xy, xy + 1 + torch.rand(6, 2) * 4], 1), torch.rand(6)), "boxes_example.pt")

class ConvBn(torch.nn.Module):  # a BatchNormalization with statistics far from 0 and 1
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.bn.running_mean.uniform_(-2, 2)
        self.bn.running_var.uniform_(0.05, 4)
        self.bn.weight.data.uniform_(0.5, 2)
    def forward(self, x):
        return self.bn(self.conv(x)).relu()
convbn = ConvBn().eval()
torch.jit.script(convbn).save("convbn.pt")
xc = torch.randn(2, 3, 10, 10)
np.save("convbn_x.npy", xc.numpy())
with torch.no_grad():
    np.save("convbn_expected.npy", convbn(xc).numpy())

class Fixed(torch.nn.Module):  # traced: the batch of 4 is baked into the view
    def forward(self, x):
        return x.view(4, 6).relu()
torch.jit.trace(Fixed(), torch.randn(4, 6)).save("fixed.pt")

# an op a Python library registers (torch.library): kiln has no library that provides it
lib = torch.library.Library("kilntest", "DEF")
lib.define("twice(Tensor x) -> Tensor")
lib.impl("twice", lambda x: 2 * x, "CPU")
class Custom(torch.nn.Module):
    def forward(self, x):
        return torch.ops.kilntest.twice(x)
torch.jit.script(Custom()).save("custom.pt")
PY
python3 make_models.py 2>python_err.txt || { echo "FAIL: could not write the models: $(tail -1 python_err.txt)"; exit 1; }

TOKENS=(--input ids:int64:batch=2xseq=4:0..50 --input mask:bool:batch=2xseq=4)
for ex in example.pt example.npz positional.npz; do
  expect_exact 0 "" -- export tokens.pt "${TOKENS[@]}" --example "$ex" -o "tokens_${ex/./_}.onnx" --report "report_${ex/./_}.json"
  check "$ex: the export exists" test -s "tokens_${ex/./_}.onnx"
done
expect_exact 0 "" -- export tokens.pt "${TOKENS[@]}" -o tokens_random.onnx --report report_random.json
# the exported model on the example values gives what Python's LibTorch gave, in Python's ONNX Runtime
check "ONNX Runtime on the example equals LibTorch" python3 - <<'PY'
import json, os, numpy as np, onnxruntime as ort
ex = np.load("example.npz")
want = np.load("expected.npy")
for f in ("tokens_example_pt.onnx", "tokens_example_npz.onnx", "tokens_positional_npz.onnx"):
    s = ort.InferenceSession(f, providers=["CPUExecutionProvider"])
    got = s.run(None, {"ids": ex["ids"], "mask": ex["mask"]})[0]
    assert np.abs(got - want).max() < 1e-5, (f, np.abs(got - want).max())
    assert all(isinstance(d, str) for d in s.get_inputs()[0].shape)  # batch and seq stay dynamic
r = json.load(open("report_example_pt.json"))
assert r["example"] == os.path.abspath("example.pt"), r["example"]
assert [v["sizes"] for v in r["verification"]] == ["batch=3, seq=5", "batch=6, seq=10"], r["verification"]
assert json.load(open("report_random.json"))["example"] == ""  # random values say so
PY

# --second-example: the second verification size is the second file's, its values as given
expect_exact 0 "" -- export tokens.pt "${TOKENS[@]}" --example example.pt --second-example second.npz -o tokens_second.onnx \
  --report report_second.json
check "the second size is the second file's" python3 - <<'PY'
import json, os
r = json.load(open("report_second.json"))
assert [v["sizes"] for v in r["verification"]] == ["batch=3, seq=5", "batch=2, seq=7"], r["verification"]
assert r["second_example"] == os.path.abspath("second.npz"), r["second_example"]
PY
expect 1 "same_size.npz: dim 'batch' is 3 here as in the example" -- \
  export tokens.pt "${TOKENS[@]}" --example example.pt --second-example same_size.npz -o bad5.onnx
expect 2 "second-example needs --example" -- export tokens.pt "${TOKENS[@]}" --second-example second.npz -o bad6.onnx

expect 1 "wrong_dtype.pt: input 'ids' is float32 in the file and declared int64" -- \
  export tokens.pt "${TOKENS[@]}" --example wrong_dtype.pt -o bad1.onnx
printf 'not a tensor file' >garbage.pt
expect 1 "garbage.pt" -- export tokens.pt "${TOKENS[@]}" --example garbage.pt -o bad2.onnx
expect 1 "one.npy: 1 tensors for 2 declared inputs" -- export tokens.pt "${TOKENS[@]}" --example one.npy -o bad3.onnx
expect 1 "missing.npz" -- export tokens.pt "${TOKENS[@]}" --example missing.npz -o bad4.onnx
expect_exact 0 "" -- export fixed.pt --input x:float32:4x6 --example one.npy -o one.onnx
check "nothing half-written after the refusals" bash -c '! ls bad*.onnx* .bad* 2>/dev/null | grep -q .'

# BatchNormalization after a Conv: folded by default (as torch.onnx does), kept with --keep-batch-norm
out=$("$KILN" export convbn.pt --input x:float32:n=2x3x10x10 --example convbn_x.npy -o convbn.onnx --report convbn.json 2>&1)
check "the fold is reported: $(grep folded <<<"$out")" grep -q "^folded  1 BatchNormalization" <<<"$out"
out=$("$KILN" export convbn.pt --input x:float32:n=2x3x10x10 --example convbn_x.npy --keep-batch-norm -o convbn_kept.onnx \
  --report convbn_kept.json 2>&1)
check "kept: no fold reported" bash -c '! grep -q folded <<<"$1"' _ "$out"
check "folded and kept both equal LibTorch in ONNX Runtime; only the kept one has the BatchNormalization" python3 - <<'PY'
import json, numpy as np, onnx, onnxruntime as ort
x, want = np.load("convbn_x.npy"), np.load("convbn_expected.npy")
for f, bn in (("convbn.onnx", 0), ("convbn_kept.onnx", 1)):
    got = ort.InferenceSession(f, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    assert np.abs(got - want).max() < 1e-5, (f, np.abs(got - want).max())
    ops = [n.op_type for n in onnx.load(f).graph.node]
    assert ops.count("BatchNormalization") == bn, (f, ops)
assert json.load(open("convbn.json"))["folded_batch_norms"] == 1
assert json.load(open("convbn_kept.json"))["folded_batch_norms"] == 0
PY
out=$(KILN_MEMORY_TRACE=1 "$KILN" export convbn.pt --input x:float32:n=2x3x10x10 -o convbn_traced.onnx 2>&1 >/dev/null)
check "KILN_MEMORY_TRACE=1 prints each phase's peak, conversion to the second session" bash -c \
  'grep -q "^kiln memory: convert: peak [0-9]* MiB" <<<"$1" && grep -q "^kiln memory: ONNX Runtime, all optimizations: peak" <<<"$1"' _ "$out"
check "export --help shows --keep-batch-norm" bash -c '"$1" export --help | grep -q -- --keep-batch-norm' _ "$KILN"

# torchvision::nms: the library is found and loaded with no flag
expect_exact 0 "" -- export boxes.pt --input boxes:float32:n=6x4 --input scores:float32:n=6 --example boxes_example.pt \
  --opset 17 -o boxes.onnx
check "nms exported" test -s boxes.onnx

# an op no library provides: named, with the flag that loads one
expect 1 "kilntest::twice.*--ops-library" -- export custom.pt --input x:float32:n=2x3 -o custom.onnx
expect 1 "no-such-lib.so" -- export custom.pt --input x:float32:n=2x3 --ops-library ./no-such-lib.so -o custom.onnx
check "no custom.onnx" test ! -e custom.onnx

# a size baked in by tracing is caught at the second size, and the message says what to do
expect 1 "second verification size n=8 .*name another as SYMBOL=N/M.*n=4/5" -- export fixed.pt --input x:float32:n=4x6 -o fixed.onnx
check "no fixed.onnx" test ! -e fixed.onnx

# --list-ops and its JSON report list the same ops
"$KILN" export --list-ops --report ops.json >ops.txt 2>ops.err
check "--list-ops agrees with its report" python3 - <<'PY'
import json, re
ops = json.load(open("ops.json"))
rows = ops["ops"] if isinstance(ops, dict) else ops
keys = {r["op"] for r in rows}
text = open("ops.txt").read()
listed = set(re.findall(r"^\s*((?:aten|prim|quantized|torchvision)::[\w.]+)", text, re.M))
assert len(keys) > 500, len(keys)
assert listed == keys, (sorted(listed - keys)[:5], sorted(keys - listed)[:5])
PY

echo "$PASSES passed, $FAILS failed"
[[ $FAILS == 0 ]]
