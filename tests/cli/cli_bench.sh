#!/usr/bin/env bash
# kiln bench as a user meets it: bad options give one line and exit 1 or 2; a real run writes the
# report and its chart. No timing is asserted (machines are noisy).
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/adir"
printf 'not a model' >"$WORK/junk.onnx"

expect 1 "missing.onnx: no such file" -- bench "$WORK/missing.onnx"
expect 1 "adir: is a directory" -- bench "$WORK/adir"
expect 1 "junk.onnx: ONNX Runtime cannot load" -- bench "$WORK/junk.onnx" --no-sgemm
expect 2 "--batch" -- bench "$WORK/junk.onnx" --batch 1,x
expect 2 "--batch" -- bench "$WORK/junk.onnx" --batch 0
expect 2 "unknown graph optimization level 'fast'" -- bench "$WORK/junk.onnx" --ort-opt fast
expect 2 "unknown execution provider 'gpu'" -- bench "$WORK/junk.onnx" --provider gpu
expect 2 "unknown --format 'xls'" -- bench "$WORK/junk.onnx" --format xls
expect 2 "unknown dataset 'cifar10'" -- bench "$WORK/junk.onnx" --dataset cifar10
expect 2 "--runs must be at least 1" -- bench "$WORK/junk.onnx" --runs 0
expect 2 "excludes|--ort-opt" -- bench "$WORK/junk.onnx" --config "$WORK/best.json" --ort-opt all
expect 1 "best.json" -- bench "$WORK/junk.onnx" --config "$WORK/best.json"
expect 2 "--tune takes exactly one" -- bench --tune "$WORK/junk.onnx" "$WORK/junk.onnx"
expect 2 "one batch size" -- bench --tune "$WORK/junk.onnx" --batch 1,64
expect 2 "is required|models" -- bench
check "nothing written after failed runs" test ! -e "$WORK/best.json"

# A real model: frozen with random weights, exported, benchmarked against its TorchScript file.
if "$KILN" freeze --model simple_cnn --dataset none --out "$WORK/m" >/dev/null 2>&1 &&
  "$KILN" export "$WORK/m/model_scripted.pt" -o "$WORK/m/model.onnx" >/dev/null 2>&1; then
  check "bench writes Markdown and SVG" bash -c "'$KILN' bench '$WORK/m/model.onnx' '$WORK/m/model_scripted.pt' \
    --runs 3 --warmup 1 --batch 1,2 --no-sgemm --out '$WORK/r.md' 2>/dev/null"
  check "report has the seminar table" grep -q "| Model .*| Batch .*| Size (MB) .*| Latency (ms) .*| Throughput (req/s) .*| Δ Accuracy" "$WORK/r.md"
  check "report links the chart" grep -q '!\[.*\](r.svg)' "$WORK/r.md"
  check "chart is an SVG" grep -q '</svg>' "$WORK/r.svg"
  check "json format" bash -c "'$KILN' bench '$WORK/m/model.onnx' --runs 2 --warmup 0 --batch 1 --no-sgemm --format json 2>/dev/null | grep -q '\"p50_ms\"'"
  check "csv format" bash -c "'$KILN' bench '$WORK/m/model.onnx' --runs 2 --warmup 0 --batch 1 --no-sgemm --format csv 2>/dev/null | head -1 | grep -q '^model,engine,batch'"
  expect 2 "input-shape is required" -- bench "$WORK/m/model_scripted.pt" --runs 1 --no-sgemm
  expect 2 "--block must be at least 1" -- bench "$WORK/m/model.onnx" --block 0 --no-sgemm
  check "blocks are the default schedule" grep -q "interleaved in blocks of 10 runs" "$WORK/r.md"
  check "--block 1 alternates run by run" bash -c "'$KILN' bench '$WORK/m/model.onnx' '$WORK/m/model.onnx' --block 1 --runs 2 \
    --warmup 0 --batch 1 --no-sgemm 2>/dev/null | grep -q 'interleaved (A, B, A, B'"
else
  echo "FAIL: could not freeze/export simple_cnn for the bench run"
  FAILS=$((FAILS + 1))
fi
finish
