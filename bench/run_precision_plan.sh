#!/usr/bin/env bash
# Precision-planning figures of bench/RESULTS.md (issue 18): static INT8 from the unoptimized
# export (pre-optimized by quantize-onnx), from model_opt.onnx, and from the unoptimized export with
# --no-preoptimize and with --no-channel-padding; Python's quantize_static on both inputs; FP16 — all benched in one interleaved
# `kiln bench` run against FP32, REPEAT times (default 3; the ratios are same-run), then the speed
# targets' own method (blocks of 50, BLOCK_REPEAT times, below). Run it when
# `cat /proc/loadavg` is low:
#
#   bash bench/run_precision_plan.sh        (from the repository root; ./kiln builds if needed)
#
# MODELS/model.onnx and MODELS/model_opt.onnx: a trained simple_cnn exported and optimized by kiln.
set -euo pipefail
cd "$(dirname "$0")/.."
KILN=${KILN:-./kiln}
MODELS=${MODELS:-/tmp/kiln-results/plan_models}
OUT=${OUT:-/tmp/kiln-results/precision_plan}
RUNS=${RUNS:-300}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$OUT"
log() { echo "\$ $*" >>"$OUT/commands.txt"; "$@"; }
: >"$OUT/commands.txt"
: >"$OUT/bench.load"
U=$MODELS/model.onnx
O=$MODELS/model_opt.onnx
q() { log "$KILN" quantize-onnx "$1" -o "$OUT/$2.onnx" --calibrate mnist --calib-samples 512 --no-sensitivity \
  --report "$OUT/$2.json" "${@:3}" >"$OUT/$2.txt"; }
q "$U" kiln_from_export
q "$O" kiln_from_opt
q "$U" kiln_no_preopt --no-preoptimize
q "$U" kiln_unpadded --no-channel-padding
q "$O" kiln_budget --accuracy-budget 0.1
for m in U O; do
  log scripts/toolchain.sh run python3 bench/quantize_static_peer.py "${!m}" -o "$OUT/python_$m.onnx" \
    --calib-samples 512 >"$OUT/python_$m.txt" 2>&1
done
log "$KILN" convert-fp16 "$O" -o "$OUT/fp16.onnx" --keep-io-types --calibrate mnist --report "$OUT/fp16.json" \
  >"$OUT/fp16.txt"
for r in $(seq 1 "${REPEAT:-3}"); do
  echo "run $r load before: $(cat /proc/loadavg)" >>"$OUT/bench.load"
  log "$KILN" bench "$O" "$OUT/kiln_from_export.onnx" "$OUT/kiln_from_opt.onnx" "$OUT/kiln_no_preopt.onnx" \
    "$OUT/kiln_unpadded.onnx" "$OUT/python_O.onnx" "$OUT/python_U.onnx" "$OUT/kiln_budget.onnx" "$OUT/fp16.onnx" --batch 1,64 --threads 2 \
    --runs "$RUNS" --warmup 30 --dataset mnist --format json --out "$OUT/bench_$r.json" >"$OUT/bench_$r.out" 2>"$OUT/bench_$r.err"
  echo "run $r load after: $(cat /proc/loadavg)" >>"$OUT/bench.load"
done
cat "$OUT/bench.load"
scripts/toolchain.sh run python3 - "$OUT" "${REPEAT:-3}" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
for r in range(1, n + 1):
    b = json.load(open(f"{out}/bench_{r}.json"))
    names = [m["name"] for m in b["models"]]
    p50 = {(x["model"], x["batch"]): x["latency"]["p50_ms"] for x in b["results"]}
    print(f"run {r}: speed vs FP32 (p50 ratio), batch 1 / batch 64; accuracy change vs FP32")
    for i, name in enumerate(names):
        m = b["models"][i]
        d = m.get("delta_accuracy_pp")
        print(f"  {name:28s} {p50[(0, 1)] / p50[(i, 1)]:5.2f}× / {p50[(0, 64)] / p50[(i, 64)]:5.2f}×"
              f"   p50 {p50[(i, 1)]:.3f} / {p50[(i, 64)]:.2f} ms   {d if d is not None else 0:+.2f} pp")
PY
# The issue's own method for the speed targets: FP32, kiln's INT8 from the unoptimized export and
# Python's quantize_static file only, in blocks of 50 runs (each block pays one switch),
# BLOCK_REPEAT times (default 5); the median of the same-run ratios is the figure.
for r in $(seq 1 "${BLOCK_REPEAT:-5}"); do
  echo "blocks run $r load before: $(cat /proc/loadavg)" >>"$OUT/bench.load"
  log "$KILN" bench "$O" "$OUT/kiln_from_export.onnx" "$OUT/python_O.onnx" --batch 1,64 --threads 2 \
    --runs 250 --block 50 --warmup 30 --no-sgemm --format json --out "$OUT/blocks_$r.json" \
    >/dev/null 2>"$OUT/blocks_$r.err"
done
scripts/toolchain.sh run python3 - "$OUT" "${BLOCK_REPEAT:-5}" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
ratios = {}
for r in range(1, n + 1):
    b = json.load(open(f"{out}/blocks_{r}.json"))
    p50 = {(x["model"], x["batch"]): x["latency"]["p50_ms"] for x in b["results"]}
    for i, who in ((1, "kiln INT8 (from the export)"), (2, "Python quantize_static")):
        for batch in (1, 64):
            ratios.setdefault((who, batch), []).append(p50[(0, batch)] / p50[(i, batch)])
print(f"blocks of 50, {n} runs: speed vs FP32 (p50 ratio), each run, then the median")
for (who, batch), v in ratios.items():
    print(f"  {who:28s} batch {batch:2d}: " + " ".join(f"{x:.2f}×" for x in v)
          + f"   median {statistics.median(v):.2f}×")
PY
