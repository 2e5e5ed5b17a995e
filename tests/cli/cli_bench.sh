#!/usr/bin/env bash
# kiln bench as a user meets it: bad options give exactly one line and exit 1 or 2; a real run
# writes the report and its chart, with tables whose numbers agree with each other and the JSON.
# No latency figure is asserted (machines are noisy); --tune must follow its own decision rule.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$WORK/adir"
printf 'not a model' >"$WORK/junk.onnx"

expect_exact 1 "kiln: error: $WORK/missing.onnx: no such file" -- bench "$WORK/missing.onnx"
expect_exact 1 "kiln: error: $WORK/adir: is a directory, expected a model file" -- bench "$WORK/adir"
expect_exact 1 "kiln: error: $WORK/junk.onnx: ONNX Runtime cannot load the model: Failed to load model because protobuf parsing failed." -- \
  bench "$WORK/junk.onnx" --no-sgemm
expect_exact 2 "kiln: error: --batch '1,x': 'x' is not a positive integer" -- bench "$WORK/junk.onnx" --batch 1,x
expect_exact 2 "kiln: error: --batch '0': '0' is not a positive integer" -- bench "$WORK/junk.onnx" --batch 0
expect_exact 2 "kiln: error: unknown graph optimization level 'fast' (disable, basic, extended, all)" -- bench "$WORK/junk.onnx" --ort-opt fast
expect_exact 2 "kiln: error: unknown execution provider 'gpu' (cpu, dnnl)" -- bench "$WORK/junk.onnx" --provider gpu
expect_exact 2 "kiln: error: unknown --format 'xls' (md, csv, json, text, html)" -- bench "$WORK/junk.onnx" --format xls
expect_exact 2 "kiln: error: unknown dataset 'cifar10' (known: mnist, fashion-mnist)" -- bench "$WORK/junk.onnx" --dataset cifar10
expect_exact 2 "kiln: error: --runs must be at least 1" -- bench "$WORK/junk.onnx" --runs 0
expect_exact 2 "kiln: error: --ort-opt excludes --config (see kiln --help)" -- bench "$WORK/junk.onnx" --config "$WORK/best.json" --ort-opt all
expect_exact 1 "kiln: error: $WORK/best.json: no such file" -- bench "$WORK/junk.onnx" --config "$WORK/best.json"
expect_exact 2 "kiln: error: --tune takes exactly one .onnx model" -- bench --tune "$WORK/junk.onnx" "$WORK/junk.onnx"
expect_exact 2 "kiln: error: --tune takes one batch size (--batch B)" -- bench --tune "$WORK/junk.onnx" --batch 1,64
expect_exact 2 "kiln: error: models is required (see kiln --help)" -- bench
check "nothing written after failed runs" test ! -e "$WORK/best.json"

# A real model: frozen with random weights, exported, benchmarked against its TorchScript file.
# The reports' tables have exactly the expected rows and columns, and their numbers agree with each
# other, with the files' sizes and with the JSON's raw figures (check_bench_report.py).
shared_models cnn "$WORK/m" || exit 1
cd "$WORK"
check "bench writes Markdown and SVG" bash -c "'$KILN' bench m/model.onnx m/model_scripted.pt \
  --runs 3 --warmup 1 --batch 1,2 --no-sgemm --out r.md 2>/dev/null"
check "Markdown: both tables and the notes, row by row" python3 "$HERE/check_bench_report.py" md r.md \
  m/model.onnx m/model_scripted.pt --batches 1,2 --runs 3
check "report links the chart" grep -qx '!\[p50 latency and throughput per model and batch\](r.svg)' r.md
check "chart is an SVG" grep -q '</svg>' r.svg
check "blocks are the default schedule, settled at each switch" grep -qx "Same run, interleaved in blocks of 10 runs (A×10, B×10, A×10 …); at each switch a 50 ms pause when the previous model's ONNX Runtime threads spin, then 20 ms of untimed runs (at least 1): 3 timed runs per model and batch after 1 warm-ups; steady clock per run." r.md
"$KILN" bench m/model.onnx --runs 2 --warmup 0 --batch 1,3 --no-sgemm --format json >r.json 2>/dev/null
check "json format: models, results and statistics" python3 "$HERE/check_bench_report.py" json r.json m/model.onnx --batches 1,3 --runs 2
"$KILN" bench m/model.onnx --runs 2 --warmup 0 --batch 1 --no-sgemm --format csv >r.csv 2>/dev/null
check "csv format: header and row" python3 "$HERE/check_bench_report.py" csv r.csv m/model.onnx --batches 1 --runs 2
expect_exact 2 "kiln: error: --input-shape is required when no model is ONNX (e.g. --input-shape 1x1x28x28)" -- \
  bench m/model_scripted.pt --runs 1 --no-sgemm
expect_exact 2 "kiln: error: --block must be at least 1" -- bench m/model.onnx --block 0 --no-sgemm
expect_exact 2 "kiln: error: --settle-ms must be at least 0" -- bench m/model.onnx --settle-ms -1 --no-sgemm
check "--settle-ms 0: no settling in the schedule" bash -c "'$KILN' bench m/model.onnx --settle-ms 0 --runs 2 \
  --warmup 0 --batch 1 --no-sgemm 2>/dev/null | grep -qx 'Same run, interleaved in blocks of 10 runs (A×10, B×10, A×10 …): 2 timed runs per model and batch after 0 warm-ups; steady clock per run.'"
check "--block 1 alternates run by run" bash -c "'$KILN' bench m/model.onnx m/model.onnx --block 1 --runs 2 \
  --warmup 0 --batch 1 --no-sgemm 2>/dev/null | grep -q '^Same run, interleaved (A, B, A, B'"

# --tune's reports follow its own rule (src/bench/tune.cpp, re-derived by check_tune_report.py):
# the search winner per objective, the defaults kept when that winner loses the re-measurement.
# Which candidate wins is the machine's business, so it is not asserted: the test once expected
# the defaults to beat --threads 1 candidates, but on a 2-vCPU VM ORT's default thread count ran
# FP32 simple_cnn at batch 64 in 8.0 ms like one thread (8.2 ms; two threads 4.6 ms) and DNNL on
# one thread beat both. The keep-the-defaults rule itself: unit test Tune.KeepsTheDefaults….
for i in 1 2; do
  if ! "$KILN" bench --tune m/model.onnx --batch 64 --runs 5 --warmup 1 --threads 1 --format json \
    --out "tune_best$i.json" >"tune$i.json" 2>"tune$i.err"; then
    echo "FAIL: bench --tune run $i: $(tail -1 "tune$i.err")"
    FAILS=$((FAILS + 1))
    break
  fi
  if out=$(python3 "$HERE/check_tune_report.py" "tune$i.json" "tune_best$i.json"); then
    PASSES=$((PASSES + 1))
    echo "bench --tune run $i follows its rule ($out)"
  else
    echo "FAIL: bench --tune run $i broke its own rule: $out"
    FAILS=$((FAILS + 1))
  fi
done
check "--tune text: the kept defaults are shown as such" bash -c "'$KILN' bench --tune m/model.onnx --batch 64 --runs 3 \
  --warmup 0 --threads 1 --out tune_text.json 2>/dev/null | grep -E '^  best for (latency|throughput) ' | grep -q '(= the defaults)' ||
  ! grep -q '\"is_default\": true' tune_text.json"
finish
