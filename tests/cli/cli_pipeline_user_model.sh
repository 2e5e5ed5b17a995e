#!/usr/bin/env bash
# `kiln pipeline --model PATH.pt` on users' models (issue 31): a text model with two int64 inputs
# and a dynamic sequence axis (static INT8 from a calibration folder, labelled eval data), a model
# with two outputs and no data (dynamic INT8, FP32 kept: nothing measured the cost), and a
# torchvision ResNet-18 with a calibration folder. Each artifact passes `kiln validate` and its own
# validate.py, and a corrupted file in each is caught by both; a rerun is cached, a changed
# calibration folder reruns only what reads it; bad data is one line before any stage, nothing
# written.
source "$(dirname "$0")/lib.sh"
require_python torch numpy onnxruntime torchvision
cd "$WORK"

cat >make_models.py <<'PY'
import os, numpy as np, torch, torch.nn as nn, torchvision
torch.manual_seed(0)
rng = np.random.default_rng(0)

class Text(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 32)
        self.hidden = nn.Linear(32, 32)
        self.head = nn.Linear(32, 5)
    def forward(self, tokens, mask):
        e = self.emb(tokens) * mask.unsqueeze(-1).float()
        pooled = e.sum(1) / mask.float().sum(1, keepdim=True).clamp(min=1)
        return self.head(torch.relu(self.hidden(pooled)))

text = Text().eval()
torch.jit.script(text).save("text.pt")
os.makedirs("text_calib"); os.makedirs("text_eval")
for i in range(3):
    tokens = rng.integers(0, 100, (16, 12)).astype(np.int64)
    mask = np.ones((16, 12), dtype=np.int64)
    mask[:, 8:] = rng.integers(0, 2, (16, 4))
    np.savez(f"text_calib/b{i}.npz", tokens=tokens, mask=mask)
    with torch.no_grad():
        labels = text(torch.from_numpy(tokens), torch.from_numpy(mask)).argmax(1).numpy()
    labels[:2] = (labels[:2] + 1) % 5
    np.savez(f"text_eval/b{i}.npz", tokens=tokens, mask=mask, labels=labels.astype(np.int64))
np.savez("text_calib_extra.npz", tokens=rng.integers(0, 100, (8, 12)).astype(np.int64),
         mask=np.ones((8, 12), dtype=np.int64))
os.makedirs("bad_shape"); np.savez("bad_shape/b0.npz", tokens=np.zeros((4, 12, 2), np.int64), mask=np.ones((4, 12), np.int64))
os.makedirs("bad_labels"); np.savez("bad_labels/a.npz", tokens=np.zeros((4, 12), np.int64), mask=np.ones((4, 12), np.int64),
                                    labels=np.zeros(4, np.int64))
np.savez("bad_labels/b.npz", tokens=np.zeros((4, 12), np.int64), mask=np.ones((4, 12), np.int64))
torch.save({"tokens": torch.zeros(2, 12), "mask": torch.ones(2, 12, dtype=torch.int64)}, "bad_example.pt")

class Two(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)
    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        return self.fc(y.mean((2, 3))), y
torch.jit.trace(Two().eval(), torch.randn(2, 3, 16, 16)).save("two.pt")

resnet = torchvision.models.resnet18(num_classes=10)
resnet.train()
with torch.no_grad():  # BatchNorm statistics of the data, so activations are not degenerate
    for _ in range(2):
        resnet(torch.randn(16, 3, 64, 64))
resnet.eval()
torch.jit.trace(resnet, torch.randn(1, 3, 64, 64)).save("resnet18.pt")
os.makedirs("rn_calib")
for i in range(4):
    np.savez(f"rn_calib/b{i}.npz", input=rng.standard_normal((16, 3, 64, 64)).astype(np.float32))
PY
python3 make_models.py || { echo "FAIL: making the models"; exit 1; }

# corrupted ART FILE: one byte of FILE flipped; both checkers must refuse the artifact.
corrupted() {
  local art=$1 file=$2 copy
  copy=$WORK/corrupt_$(basename "$(dirname "$(dirname "$art")")")
  rm -rf "$copy" && cp -r "$art" "$copy"
  python3 - "$copy/$file" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x55
open(p, "wb").write(bytes(b))
PY
  if "$KILN" validate "$copy" >/dev/null 2>&1; then echo "FAIL: kiln validate passed $file corrupted"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi
  if python3 "$copy/validate.py" >/dev/null 2>&1; then echo "FAIL: validate.py passed $file corrupted"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi
}

# valid ART: both checkers accept it.
valid() {
  check "kiln validate $1" "$KILN" validate "$1"
  check "validate.py of $1" python3 "$1/validate.py"
}

stage_line() {  # stage_line LOG STAGE: the stage's status word (done / cached)
  awk -v s="$2" '$1 == s {print $2}' "$1"
}

TEXT=(--model text.pt --input tokens:int64:batch=2xseq=12:0..100 --input mask:int64:batch=2xseq=12:0..2)

# 1. text model: two int64 inputs, dynamic batch and sequence, calibration and labelled eval data
"$KILN" pipeline "${TEXT[@]}" --calibrate text_calib --eval text_eval --out run_text --quick >text1.log 2>text1.err
check "text pipeline ran" test $? -eq 0
for s in 01_train 02_freeze 02_branch_study 03_precision; do
  check "text: $s skipped with a reason" grep -q "^$s: skipped — " text1.log
done
check "text: static INT8 from the folder" grep -q "^06_quantize_static.*static INT8" text1.log
check "text: REPORT.md" grep -q "top-1 accuracy" run_text/REPORT.md
check "text: report.html" test -s run_text/report.html
check "text: metadata records both inputs" grep -q "tokens" run_text/08_pack/artifact_v1/metadata.yaml
check "text: evaluation recorded" grep -q "evaluation" run_text/08_pack/artifact_v1/metadata.yaml
valid run_text/08_pack/artifact_v1
corrupted run_text/08_pack/artifact_v1 model_opt.onnx
corrupted run_text/08_pack/artifact_v1 test_data_set_0/input_0.pb

# A rerun with nothing changed is a no-op; a changed calibration folder reruns what reads it.
"$KILN" pipeline "${TEXT[@]}" --calibrate text_calib --eval text_eval --out run_text --quick >text2.log 2>&1
check "text rerun: every stage cached" test "$(grep -c ' cached ' text2.log)" -eq 10
cp text_calib_extra.npz text_calib/b9.npz
"$KILN" pipeline "${TEXT[@]}" --calibrate text_calib --eval text_eval --out run_text --quick >text3.log 2>&1
check "calibration changed: export cached" test "$(stage_line text3.log 04_export)" = cached
check "calibration changed: optimize cached" test "$(stage_line text3.log 06_optimize)" = cached
check "calibration changed: INT8 reruns" test "$(stage_line text3.log 06_quantize_static)" = done
check "calibration changed: FP16 reruns" test "$(stage_line text3.log 06_convert_fp16)" = done

# 2. two outputs, no data: dynamic INT8, and FP32 packed because nothing measured the cost
"$KILN" pipeline --model two.pt --input x:float32:batch=2x3x16x16 --out run_two --quick >two.log 2>two.err
check "two-output pipeline ran" test $? -eq 0
check "two: dynamic INT8" grep -q "^06_quantize_static.*dynamic INT8" two.log
check "two: FP32 kept, cost not measured" grep -q "^07_choose.*fp32.*not measured" two.log
check "two: both outputs in the artifact" test -s run_two/08_pack/artifact_v1/test_data_set_0/output_1.pb
valid run_two/08_pack/artifact_v1
corrupted run_two/08_pack/artifact_v1 test_data_set_0/output_1.pb

# 3. a torchvision classifier with a calibration folder
"$KILN" pipeline --model resnet18.pt --input input:float32:batch=1x3x64x64 --calibrate rn_calib --out run_rn --quick \
  >rn.log 2>rn.err
check "resnet18 pipeline ran" test $? -eq 0
check "resnet18: static INT8" grep -q "^06_quantize_static.*static INT8" rn.log
check "resnet18: quality measured on the folder" grep -q "agreement" run_rn/REPORT.md
valid run_rn/08_pack/artifact_v1
corrupted run_rn/08_pack/artifact_v1 model_opt.onnx

# 4. bad data: one line before any stage runs, nothing written
expect 1 "--calibrate.*b0.npz" -- pipeline "${TEXT[@]}" --calibrate bad_shape --out run_bad1
check "bad calibration: nothing written" test ! -e run_bad1
expect 1 "bad_labels/b.npz.*labels" -- pipeline "${TEXT[@]}" --eval bad_labels --out run_bad2
check "bad eval: nothing written" test ! -e run_bad2
expect 1 "bad_example.pt.*tokens" -- pipeline "${TEXT[@]}" --example bad_example.pt --out run_bad3
check "bad example: nothing written" test ! -e run_bad3
expect 1 "no such file" -- pipeline --model missing.pt --input x:float32:1x3 --out run_bad4
expect 2 "--input is required" -- pipeline --model text.pt --out run_bad5
expect 2 "--calibrate is for a model of your own" -- pipeline --model simple_cnn --calibrate text_calib --out run_bad6
expect 2 "--epochs is for the seminar's own model" -- pipeline "${TEXT[@]}" --epochs 3 --out run_bad7
check "bad options: nothing written" test ! -e run_bad4 -a ! -e run_bad5 -a ! -e run_bad6 -a ! -e run_bad7

echo "$PASSES passed, $FAILS failed"
[[ $FAILS -eq 0 ]]
