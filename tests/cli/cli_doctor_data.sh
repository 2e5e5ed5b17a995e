#!/usr/bin/env bash
# The foundation's done-when: doctor reports ORT 1.21 with the CPU provider and QNNPACK; data info
# shows MNIST 60000/10000; an end-to-end train + freeze through the CLI.
source "$(dirname "$0")/lib.sh"

out=$("$KILN" doctor)
check "doctor exits 0" test $? -eq 0
check "doctor: ONNX Runtime 1.21" grep -qE '^ONNX Runtime +1\.21' <<<"$out"
check "doctor: CPU provider" grep -q 'CPUExecutionProvider' <<<"$out"
check "doctor: QNNPACK" grep -q 'QNNPACK' <<<"$out"
check "doctor --json parses" python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["usable"]' < <("$KILN" doctor --json)

info=$("$KILN" data info)
check "data info: 60000 train" grep -q 'train     60000 images' <<<"$info"
check "data info: 10000 test" grep -q 'test      10000 images' <<<"$info"
check "data info: class 1 count" grep -qE '^ +1 +1 +6742 +1135$' <<<"$info"

"$KILN" train --model mlp --epochs 1 --train-limit 2000 --test-limit 700 --out "$WORK/w" >"$WORK/train.txt" 2>/dev/null
check "train writes weights and record" test -s "$WORK/w/weights.pt" -a -s "$WORK/w/train.json"
check "train.json: 2000 training samples, accuracy on the first 700 test images" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["train_samples"] == 2000 and r["test_samples"] == 700 else 1)' "$WORK/w/train.json"
expect 2 "--test-limit must be at least 0" -- train --model mlp --test-limit -1 --out "$WORK/neg"
"$KILN" freeze --model mlp --weights "$WORK/w" --out "$WORK/f" >"$WORK/freeze.txt"
check "freeze writes both files" test -s "$WORK/f/model_traced.pt" -a -s "$WORK/f/model_scripted.pt"
check "freeze report says both match" grep -q 'both freezes match' "$WORK/f/freeze_report.md"
finish
