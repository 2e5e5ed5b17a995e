#!/usr/bin/env bash
# What channel padding buys (issue 18; docs/quantization.md): for models whose first Conv has 1, 2
# or 3 input channels (bench/channel_padding_models.py), kiln quantize-onnx's default (the first
# Conv's int8 input padded to 4 channels), the same with --no-channel-padding, and the rule kiln
# had before (the first Conv kept float: --exclude /Conv), benched against the float model in one
# interleaved `kiln bench` run per model, REPEAT times (default 3; the ratios are same-run). Run it
# when `cat /proc/loadavg` is low:
#
#   bash bench/run_channel_padding.sh        (from the repository root; ./kiln builds if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
KILN=${KILN:-./kiln}
OUT=${OUT:-/tmp/kiln-results/channel_padding}
RUNS=${RUNS:-200}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$OUT"
log() { echo "\$ $*" >>"$OUT/commands.txt"; "$@"; }
: >"$OUT/commands.txt"
: >"$OUT/bench.load"
log scripts/toolchain.sh run python3 bench/channel_padding_models.py "$OUT" >/dev/null
for m in c1_28_k5 c2_64_k3 c3_32_k3 c3_224_k7s2; do
  q() { log "$KILN" quantize-onnx "$OUT/$m.onnx" -o "$OUT/${m}_$1.onnx" --calibrate "$OUT/${m}_calib" \
    --no-sensitivity --report "$OUT/${m}_$1.json" "${@:2}" >"$OUT/${m}_$1.txt"; }
  q padded
  q unpadded --no-channel-padding
  q first_float --exclude /Conv
  batches=1,32
  [ "$m" = c3_224_k7s2 ] && batches=1,8
  for r in $(seq 1 "${REPEAT:-3}"); do
    echo "$m run $r load before: $(cat /proc/loadavg)" >>"$OUT/bench.load"
    log "$KILN" bench "$OUT/$m.onnx" "$OUT/${m}_padded.onnx" "$OUT/${m}_unpadded.onnx" "$OUT/${m}_first_float.onnx" \
      --batch "$batches" --threads 2 --runs "$RUNS" --warmup 20 --no-sgemm --format json \
      --out "$OUT/${m}_bench_$r.json" >/dev/null 2>"$OUT/${m}_bench_$r.err"
  done
done
cat "$OUT/bench.load"
scripts/toolchain.sh run python3 - "$OUT" "${REPEAT:-3}" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
print("speed vs the float model (p50 ratio), each run, then the median")
for m in ("c1_28_k5", "c2_64_k3", "c3_32_k3", "c3_224_k7s2"):
    ratios = {}
    for r in range(1, n + 1):
        b = json.load(open(f"{out}/{m}_bench_{r}.json"))
        p50 = {(x["model"], x["batch"]): x["latency"]["p50_ms"] for x in b["results"]}
        for i, who in ((1, "padded (default)"), (2, "--no-channel-padding"), (3, "first Conv float")):
            for batch in sorted({k[1] for k in p50}):
                ratios.setdefault((who, batch), []).append(p50[(0, batch)] / p50[(i, batch)])
    print(m)
    for (who, batch), v in ratios.items():
        print(f"  {who:22s} batch {batch:2d}: " + " ".join(f"{x:.2f}×" for x in v)
              + f"   median {statistics.median(v):.2f}×")
PY
