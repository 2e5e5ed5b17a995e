#!/usr/bin/env bash
# Static INT8 figures of bench/RESULTS.md (issue 11): kiln quantize-onnx against FP32 and against
# Python's onnxruntime.quantization.quantize_static, same model, same 512 calibration images, one
# interleaved `kiln bench` run, REPEAT times (default 3; the ratios are same-run). Run it when
# `cat /proc/loadavg` is low:
#
#   scripts/toolchain.sh run bench/run_quantize_static.sh       (from the repository root)
#
# MODELS/model_opt.onnx: simple_cnn exported and optimized by kiln (see RESULTS.md's first block).
set -euo pipefail
cd "$(dirname "$0")/.."
KILN=${KILN:-build/kiln}
MODELS=${MODELS:-/tmp/kb/models}
OUT=${OUT:-/tmp/kiln-results/quantize_static}
RUNS=${RUNS:-200}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$OUT"
M=$MODELS/model_opt.onnx
log() { echo "\$ $*" >>"$OUT/commands.txt"; "$@"; }
: >"$OUT/commands.txt"
: >"$OUT/bench.load"
for method in minmax entropy percentile; do
  log "$KILN" quantize-onnx "$M" -o "$OUT/kiln_$method.onnx" --calibrate mnist --calib-samples 512 \
    --method "$method" --report "$OUT/kiln_$method.json" >"$OUT/kiln_$method.txt"
done
log "$KILN" quantize-onnx "$M" -o "$OUT/kiln_unpadded.onnx" --calibrate mnist --calib-samples 512 \
  --no-channel-padding --no-sensitivity --report "$OUT/kiln_unpadded.json" >"$OUT/kiln_unpadded.txt"
log "$KILN" quantize-onnx "$M" -o "$OUT/kiln_qoperator.onnx" --calibrate mnist --calib-samples 512 \
  --format qoperator --no-sensitivity --report "$OUT/kiln_qoperator.json" >"$OUT/kiln_qoperator.txt"
log python3 bench/quantize_static_peer.py "$M" -o "$OUT/python_qdq.onnx" --calib-samples 512 \
  >"$OUT/python_qdq.txt" 2>&1
# REPEAT same-run benches (the ratios of each run are what RESULTS.md quotes, with their spread).
for r in $(seq 1 "${REPEAT:-3}"); do
  echo "run $r load before: $(cat /proc/loadavg)" >>"$OUT/bench.load"
  log "$KILN" bench "$M" "$OUT/kiln_minmax.onnx" "$OUT/kiln_unpadded.onnx" "$OUT/python_qdq.onnx" \
    "$OUT/kiln_entropy.onnx" "$OUT/kiln_qoperator.onnx" --batch 1,64 --threads 2 --runs "$RUNS" \
    --warmup 20 --dataset mnist --out "$OUT/bench_$r.md" >"$OUT/bench_$r.out" 2>"$OUT/bench_$r.err"
  echo "run $r load after: $(cat /proc/loadavg)" >>"$OUT/bench.load"
done
cat "$OUT/bench.load"
grep -h 'speed of' "$OUT"/bench_*.md
