#!/usr/bin/env bash
# Python's torch.jit.load (python3-torch from the toolchain) reads kiln's frozen files and gives
# the same outputs as kiln's own report on the same real images.
source "$(dirname "$0")/../cli/lib.sh"
HERE=$(realpath "$2")
for model in simple_cnn branchy; do
  "$KILN" freeze --model "$model" --seed 3 --out "$WORK/$model" >/dev/null
  check "python loads $model and matches" python3 "$HERE/check_jit_load.py" "$WORK/$model" "$model"
done
finish
