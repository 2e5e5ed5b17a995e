#!/usr/bin/env bash
# Static INT8 on torchvision networks kiln did not write (issue 18): each network of the export
# corpus (tests/corpus/make_corpus.py: random weights, calibrated BatchNorm, traced, 64×64
# inputs) exported by kiln, then quantized three ways from the same calibration batches (four
# .pb batches of 8 normal-noise images): kiln's default (channel padding of the RGB first Conv),
# kiln --no-channel-padding, and Python's quantize_static (bench/quantize_static_peer.py
# --calib-dir); all benched against the FP32 export in one interleaved `kiln bench` run, REPEAT
# times (default 2). Speed only: random weights make accuracy meaningless, so the figure beside
# it is kiln's relative L2 against FP32 on the calibration batches. Run it when
# `cat /proc/loadavg` is low:
#
#   bash bench/run_quantize_corpus.sh      (NETS=resnet18,mobilenet_v2,… to choose the networks)
set -euo pipefail
cd "$(dirname "$0")/.."
KILN=${KILN:-./kiln}
OUT=${OUT:-/tmp/kiln-results/quantize_corpus}
NETS=${NETS:-resnet18,mobilenet_v2,efficientnet_b0,regnet_y_400mf,squeezenet1_1}
RUNS=${RUNS:-60}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
T="scripts/toolchain.sh run python3"
mkdir -p "$OUT"
log() { echo "\$ $*" >>"$OUT/commands.txt"; "$@"; }
: >"$OUT/commands.txt"
: >"$OUT/bench.load"
log $T tests/corpus/make_corpus.py --out "$OUT/corpus" --only "$NETS" >"$OUT/corpus.txt" 2>&1
IFS=, read -r -a nets <<<"$NETS"
for net in "${nets[@]}"; do
  spec=$($T -c "import json, sys; print([e for e in json.load(open(sys.argv[1]))['entries'] if e['name'] == sys.argv[2]][0]['inputs'][0])" \
    "$OUT/corpus/manifest.json" "${net}_trace" 2>/dev/null)
  log "$KILN" export "$OUT/corpus/${net}_trace.pt" --input "$spec" -o "$OUT/$net.onnx" >"$OUT/${net}_export.txt"
  $T - "$OUT/$net.onnx" "$OUT/${net}_calib" 2>/dev/null <<'PY'
import os, sys, numpy as np, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1]); os.makedirs(sys.argv[2], exist_ok=True)
i = m.graph.input[0]
shape = [d.dim_value if d.dim_value > 0 else 8 for d in i.type.tensor_type.shape.dim]
rng = np.random.default_rng(0)
for k in range(4):
    t = numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), i.name)
    open(os.path.join(sys.argv[2], f"{k:03d}.pb"), "wb").write(t.SerializeToString())
PY
  q() { log "$KILN" quantize-onnx "$OUT/$net.onnx" -o "$OUT/${net}_$1.onnx" --calibrate "$OUT/${net}_calib" \
    --no-sensitivity --report "$OUT/${net}_$1.json" "${@:2}" >"$OUT/${net}_$1.txt"; }
  q kiln
  q kiln_unpadded --no-channel-padding
  log $T bench/quantize_static_peer.py "$OUT/$net.onnx" -o "$OUT/${net}_python.onnx" --calib-dir "$OUT/${net}_calib" \
    >"$OUT/${net}_python.txt" 2>&1
  for r in $(seq 1 "${REPEAT:-2}"); do
    echo "$net run $r load before: $(cat /proc/loadavg)" >>"$OUT/bench.load"
    log "$KILN" bench "$OUT/$net.onnx" "$OUT/${net}_kiln.onnx" "$OUT/${net}_kiln_unpadded.onnx" "$OUT/${net}_python.onnx" \
      --batch 1,8 --threads 2 --runs "$RUNS" --warmup 10 --no-sgemm --format json --out "$OUT/${net}_bench_$r.json" \
      >/dev/null 2>"$OUT/${net}_bench_$r.err"
  done
done
cat "$OUT/bench.load"
$T - "$OUT" "$NETS" "${REPEAT:-2}" <<'PY'
import json, statistics, sys
out, nets, n = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
print("speed vs the FP32 export (p50 ratio), each run; kiln's relative L2 vs FP32 (calibration batches)")
for net in nets:
    q = json.load(open(f"{out}/{net}_kiln.json"))
    pads = [(x["node"], x["input_channels"], x["padded_channels"]) for x in q["nodes"] if x.get("padded_channels")]
    print(f"{net}: {q['summary']['quantized_nodes']} nodes int8, padded {pads}, rel L2 {q['calibration_error']['relative_l2']:.3g}")
    for i, who in ((1, "kiln (default)"), (2, "kiln --no-channel-padding"), (3, "Python quantize_static")):
        for batch in (1, 8):
            v = []
            for r in range(1, n + 1):
                b = json.load(open(f"{out}/{net}_bench_{r}.json"))
                p50 = {(x["model"], x["batch"]): x["latency"]["p50_ms"] for x in b["results"]}
                v.append(p50[(0, batch)] / p50[(i, batch)])
            print(f"  {who:27s} batch {batch}: " + " ".join(f"{x:.2f}×" for x in v))
PY
