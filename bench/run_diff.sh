#!/usr/bin/env bash
# kiln diff on the export corpus's ~25M-parameter network (torchvision resnet50, random weights):
# model.onnx (kiln export) against model_opt.onnx (kiln optimize), default settings (8 samples,
# --max-mem 1024), then with a memory bound that forces chunking. Prints peak memory against the
# bound of issue 17 (model file + 2 × the largest chunk + 300 MB) and wall time against the two
# models' plain inference on as many samples. Run inside the toolchain on a quiet machine:
#   scripts/toolchain.sh run bash bench/run_diff.sh
set -euo pipefail
KILN=${KILN:-build/kiln}
OUT=${OUT:-/tmp/kiln-diff-bench}
mkdir -p "$OUT"
if [[ ! -s $OUT/model.onnx ]]; then
  python3 -c "
import torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet50().eval()
torch.jit.trace(m, torch.randn(1, 3, 224, 224)).save('$OUT/resnet50.pt')"
  "$KILN" export "$OUT/resnet50.pt" -o "$OUT/model.onnx" --input-shape 1x3x224x224 >/dev/null
  "$KILN" optimize "$OUT/model.onnx" -o "$OUT/model_opt.onnx" --report "$OUT/optimize.json" >/dev/null
fi
python3 bench/diff_plain_inference.py "$OUT/model.onnx" "$OUT/model_opt.onnx" 8 >"$OUT/plain.json"
for mem in 1024 400; do
  t0=$(date +%s.%N)
  rc=0
  "$KILN" diff "$OUT/model.onnx" "$OUT/model_opt.onnx" --max-mem $mem --format json \
    --out "$OUT/diff_$mem.json" >"$OUT/diff_$mem.txt" || rc=$?
  t1=$(date +%s.%N)
  python3 - "$OUT" $mem "$t0" "$t1" "$rc" <<'PY'
import json, os, sys
out, mem, t0, t1, rc = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
d = json.load(open(f"{out}/diff_{mem}.json"))
plain = json.load(open(f"{out}/plain.json"))["plain_inference_s"]
model_mb = os.path.getsize(f"{out}/model.onnx") / 2**20
chunk_mb = d["chunking"]["largest_chunk_bytes"] / 2**20
bound = model_mb + 2 * chunk_mb + 300
wall = t1 - t0
print(f"--max-mem {mem}: exit {rc}, {len(d['tensors'])} tensors, {d['chunking']['chunks']} chunk(s), "
      f"{len(d['removed'])} removed, {len(d['added'])} added, verdict: {d['verdict'][:60]}")
print(f"  peak {d['peak_memory_mb']:.0f} MB vs bound {bound:.0f} MB (model {model_mb:.0f} + 2 × chunk {chunk_mb:.0f} + 300)"
      f" -> {'met' if d['peak_memory_mb'] <= bound else 'MISSED'}")
print(f"  wall {wall:.2f} s (diff's own {d['seconds']:.2f} s) vs plain inference {plain:.2f} s: "
      f"{wall / plain:.2f}x (target <= 3x) -> {'met' if wall <= 3 * plain else 'MISSED'}")
PY
done
