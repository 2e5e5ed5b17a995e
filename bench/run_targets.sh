#!/usr/bin/env bash
# Every figure of bench/RESULTS.md, in one session (run it when `cat /proc/loadavg` is low):
#
#   scripts/toolchain.sh run bench/run_targets.sh       (from the repository root)
#
# Models: $MODELS/model.onnx, $MODELS/model_opt.onnx, $MODELS/model_scripted.pt (simple_cnn;
# made with freeze/export/optimize when missing) and $MODELS/model_int8.onnx when present.
# Outputs under $OUT (default /tmp/kiln-results). KILN defaults to build-bench/kiln.
set -euo pipefail
cd "$(dirname "$0")/.."
KILN=${KILN:-$( [[ -x build-bench/kiln ]] && echo build-bench/kiln || echo build/kiln )}
OUT=${OUT:-/tmp/kiln-results}
MODELS=${MODELS:-$OUT/models}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$OUT" "$MODELS"
if [[ ! -f $MODELS/model_scripted.pt ]]; then
  "$KILN" freeze --model simple_cnn --dataset none --out "$MODELS/frozen" >/dev/null
  cp "$MODELS/frozen/model_scripted.pt" "$MODELS/model_scripted.pt"
fi
[[ -f $MODELS/model.onnx ]] || "$KILN" export "$MODELS/model_scripted.pt" -o "$MODELS/model.onnx" >/dev/null
[[ -f $MODELS/model_opt.onnx ]] || "$KILN" optimize "$MODELS/model.onnx" -o "$MODELS/model_opt.onnx" >/dev/null
M=$MODELS
run() {  # run NAME ARGS...: logs the exact command and its output
  local name=$1
  shift
  echo "\$ kiln $*" | tee "$OUT/$name.cmd"
  echo "load before: $(cat /proc/loadavg)" >"$OUT/$name.load"
  "$KILN" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
  echo "load after: $(cat /proc/loadavg)" >>"$OUT/$name.load"
}
# 1. C++ ORT and LibTorch vs the Python peer (kiln then Python, 3 rounds): bench/run_peers.sh.
MODELS=$M OUT=$OUT/peers KILN=$KILN bench/run_peers.sh >"$OUT/peers.txt" 2>&1
# 2. What kiln's offline passes buy with ORT's own optimizations off, and with them on.
run ort_disable bench "$M/model.onnx" "$M/model_opt.onnx" --ort-opt disable --batch 1,64 --threads 2 --runs 200 --warmup 20 --out "$OUT/ort_disable.md"
run ort_all bench "$M/model.onnx" "$M/model_opt.onnx" --ort-opt all --batch 1,64 --threads 2 --runs 200 --warmup 20 --out "$OUT/ort_all.md"
# 3. LibTorch TorchScript FP32 on its own (no ORT pool beside it).
run torch_alone bench "$M/model_scripted.pt" --input-shape 1x1x28x28 --batch 1,64 --threads 2 --runs 200 --warmup 20 --out "$OUT/torch_alone.md"
# 4. Session tuning at batch 1 and 64.
run tune_b1 bench --tune "$M/model.onnx" --batch 1 --out "$OUT/best_b1.json"
run tune_b64 bench --tune "$M/model.onnx" --batch 64 --out "$OUT/best_b64.json"
run config_b64 bench "$M/model.onnx" --config "$OUT/best_b64.json" --objective throughput --batch 64 --runs 200 --warmup 20 --out "$OUT/config_b64.md"
# 5. The issue's "done when" command.
set -- "$M/model.onnx" "$M/model_opt.onnx"
[[ -f $M/model_int8.onnx ]] && set -- "$@" "$M/model_int8.onnx"
run done_when bench "$@" "$M/model_scripted.pt" --dataset mnist --out "$OUT/done_when.md"
echo "outputs in $OUT"
