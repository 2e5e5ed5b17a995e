#!/usr/bin/env bash
# Python's torch.jit.load (python3-torch from the toolchain) reads kiln's frozen files and, on the
# same real MNIST test images, gives the numbers kiln's own reports record: freeze_report.json's
# Δ per real-image batch and kiln compare's E / max abs / top-1 / accuracy (check_jit_load.py
# states the tolerances).
source "$(dirname "$0")/../cli/lib.sh"
HERE=$(realpath "$2")
require_python torch numpy
# Untrained simple_cnn and branchy (seed 3), and an mlp trained for a few seconds (its test accuracy
# in train.json is checked too).
"$KILN" train --model mlp --epochs 1 --train-limit 2000 --out "$WORK/mlp_weights" >/dev/null 2>&1
check "train mlp" test -s "$WORK/mlp_weights/train.json"
for model in simple_cnn branchy mlp; do
  weights=()
  [[ $model == mlp ]] && weights=(--weights "$WORK/mlp_weights")
  "$KILN" freeze --model "$model" --seed 3 "${weights[@]}" --out "$WORK/$model" >/dev/null
  # traced vs scripted in LibTorch, on the first 256 test images; no bound (branchy's differ).
  "$KILN" compare "$WORK/$model/model_traced.pt" "$WORK/$model/model_scripted.pt" --input-shape 1x1x28x28 \
    --samples 256 --max-mae 1e30 --report "$WORK/$model/compare.json" >/dev/null
  check "kiln compare $model traced vs scripted" test -s "$WORK/$model/compare.json"
  check "python loads $model and matches kiln's reports" python3 "$HERE/check_jit_load.py" "$WORK/$model" "$model" "$KILN" \
    ${weights[1]:+"${weights[1]}"}
done
finish
