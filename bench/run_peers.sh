#!/usr/bin/env bash
# kiln bench vs the seminar's Python flow (bench/python_peer.py), same machine, same session:
# rounds of kiln then Python back to back, then the side-by-side table (bench/compare_peers.py).
#
#   scripts/toolchain.sh run bench/run_peers.sh            (from the repository root)
#
# Environment: KILN (default build-bench/kiln, else build/kiln), OUT (default /tmp/kiln-peers),
# MODELS (folder with model.onnx and model_scripted.pt; default OUT, made when missing),
# ROUNDS (3), RUNS (200), WARMUP (20), THREADS (2), BATCH (1,64), ORT_OPT (all).
set -euo pipefail
cd "$(dirname "$0")/.."
KILN=${KILN:-$( [[ -x build-bench/kiln ]] && echo build-bench/kiln || echo build/kiln )}
OUT=${OUT:-/tmp/kiln-peers}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-200}
WARMUP=${WARMUP:-20}
THREADS=${THREADS:-2}
BATCH=${BATCH:-1,64}
ORT_OPT=${ORT_OPT:-all}
# The same thread environment for both (kiln would set it itself; Python needs it before import).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
MODELS=${MODELS:-$OUT}
mkdir -p "$OUT" "$MODELS"

# simple_cnn with random weights: the timing does not depend on the weights' values.
if [[ ! -f $MODELS/model_scripted.pt ]]; then
  "$KILN" freeze --model simple_cnn --dataset none --out "$MODELS/frozen" >/dev/null
  cp "$MODELS/frozen/model_scripted.pt" "$MODELS/model_scripted.pt"
fi
[[ -f $MODELS/model.onnx ]] || "$KILN" export "$MODELS/model_scripted.pt" -o "$MODELS/model.onnx" >/dev/null
FILES=("$MODELS/model.onnx" "$MODELS/model_scripted.pt")

echo "load before: $(cat /proc/loadavg)" | tee "$OUT/load.txt"
kjson=() pjson=()
for r in $(seq 1 "$ROUNDS"); do
  "$KILN" bench "${FILES[@]}" --runs "$RUNS" --warmup "$WARMUP" --batch "$BATCH" --threads "$THREADS" \
    --ort-opt "$ORT_OPT" --format json --out "$OUT/kiln_r$r.json" 2>/dev/null
  python3 bench/python_peer.py "${FILES[@]}" --runs "$RUNS" --warmup "$WARMUP" --batch "$BATCH" \
    --threads "$THREADS" --ort-opt "$ORT_OPT" --out "$OUT/python_r$r.json" 2>/dev/null
  kjson+=("$OUT/kiln_r$r.json") pjson+=("$OUT/python_r$r.json")
done
echo "load after: $(cat /proc/loadavg)" | tee -a "$OUT/load.txt"
python3 bench/compare_peers.py "${kjson[@]}" -- "${pjson[@]}" | tee "$OUT/peers.md"
