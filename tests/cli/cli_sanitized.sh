#!/usr/bin/env bash
# What users run, under AddressSanitizer + UndefinedBehaviorSanitizer: a kiln built with
# -fsanitize=address,undefined (scripts/sanitize.sh, build-asan-cli/) runs the seminar end to end
# (pipeline --quick) and export (in place and handed over), optimize, quantize-onnx, diff, pack
# and validate on their own, plus the error paths a user hits most. Any sanitizer report fails the
# test, whatever the exit code.
source "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# san NAME CODE -- ARGS...: kiln exits CODE and no sanitizer reported anything.
san() {
  local name=$1 code=$2
  shift 3
  local t0=$SECONDS
  "$KILN" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  local rc=$?
  echo "  $name: $((SECONDS - t0)) s"  # where the job's time goes
  if grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|runtime error:' "$WORK/$name.err"; then
    echo "FAIL: $name: sanitizer report:"
    grep -m 20 -E -A12 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$WORK/$name.err"
    FAILS=$((FAILS + 1))
  elif [[ $rc != "$code" ]]; then
    echo "FAIL: $name: kiln $* -> rc=$rc (want $code): $(tail -3 "$WORK/$name.err")"
    FAILS=$((FAILS + 1))
  else
    PASSES=$((PASSES + 1))
  fi
}
P=$WORK/pl
# 1000 training samples: ASan maps every large LibTorch temporary afresh, so training costs ~10×
# here; the code paths are the same as with --quick's 6000.
san pipeline 0 -- pipeline --quick --train-limit 1000 --out "$P"
pt=$P/02_freeze/model_scripted.pt
san export 0 -- export "$pt" -o "$WORK/e.onnx" --report "$WORK/e.json"
# The verification handed to the LibTorch-free kiln (as for a model of 64 MiB and more), with a
# bound under the model's error so that the float64 oracle runs as a kiln-torch child.
tol=$(python3 -c "import json; e = max(v['max_rel_mean_abs'] for v in json.load(open('$WORK/e.json'))['verification']); print(e / 10 if e > 0 else 1e-4)")
KILN_VERIFY_HANDOVER_BYTES=0 san export_handover 0 -- export "$pt" --verify-tolerance "$tol" -o "$WORK/eh.onnx" --report "$WORK/eh.json"
san optimize 0 -- optimize "$WORK/e.onnx" -o "$WORK/o.onnx" --report "$WORK/o.json"
san quantize_static 0 -- quantize-onnx "$WORK/o.onnx" -o "$WORK/q.onnx" --calibrate mnist --calib-samples 64 --eval-samples 500
san quantize_dynamic 0 -- quantize-onnx "$WORK/o.onnx" -o "$WORK/qd.onnx" --mode dynamic
san compare 0 -- compare "$pt" "$WORK/o.onnx" --samples 64
san diff_int8 1 -- diff "$WORK/e.onnx" "$WORK/q.onnx" --max-mem 1 --format html --out "$WORK/d.html"
san diff_pt 0 -- diff "$pt" "$WORK/o.onnx" --export-report "$WORK/e.json" --format json --out "$WORK/d.json"
# 1000 test images, as the pipeline's quick pack: the whole split through LibTorch took 83 s here.
san pack 0 -- pack --model "$WORK/o.onnx" --reference "$pt" --optimize-report "$WORK/o.json" --accuracy-samples 1000 \
  --out "$WORK/art"
san validate 0 -- validate "$WORK/art" --reference "$pt"
# Error paths: a missing file, a model that is not ONNX, a corrupt artifact, a bad option value.
san missing 1 -- optimize "$WORK/nope.onnx" -o "$WORK/x.onnx"
printf 'not a model' >"$WORK/junk.onnx"
san junk 1 -- validate "$WORK/junk.onnx"
san junk_export 1 -- export "$WORK/junk.onnx" -o "$WORK/x.onnx"
cp -r "$WORK/art" "$WORK/bad_art" && printf 'x' >>"$WORK/bad_art/model_opt.onnx"
san corrupt_artifact 1 -- validate "$WORK/bad_art"
san bad_option 2 -- train --epochs 0 --out "$WORK/t"
# Issue 33: hostile metadata, nested subgraphs, thread counts, pack --out over a user's folder.
cp -r "$WORK/art" "$WORK/alias_art" && printf 'rec: &r\n  self: *r\n' >>"$WORK/alias_art/metadata.yaml"
san metadata_alias 1 -- validate "$WORK/alias_art"
cp -r "$WORK/art" "$WORK/deep_art" && python3 -c "import sys; open(sys.argv[1], 'a').write('deep: ' + '[' * 5000 + ']' * 5000 + '\n')" "$WORK/deep_art/metadata.yaml"
san metadata_deep 1 -- validate "$WORK/deep_art"
python3 "$CLI_TESTS/../../bench/make_identity_chain.py" 20000 "$WORK/chain.onnx"
san identity_chain 0 -- optimize "$WORK/chain.onnx" -o "$WORK/chain_opt.onnx" --report "$WORK/chain.json"
san threads 2 -- bench "$WORK/o.onnx" --threads 100000 --runs 2 --warmup 1 --batch 1 --no-sgemm --out "$WORK/b.md"
mkdir -p "$WORK/notes" && echo mine >"$WORK/notes/notes.txt"
san pack_out_notes 1 -- pack --model "$WORK/o.onnx" --reference "$pt" --dataset none --out "$WORK/notes"
# validate.py parity: every corruption of its suite through this kiln validate.
t0=$SECONDS
if python3 "$CLI_TESTS/validate_parity.py" "$KILN" "$WORK/parity" "$CLI_TESTS/../../src/artifact/validate.py" \
  >"$WORK/parity.out" 2>&1; then
  PASSES=$((PASSES + 1))
else
  echo "FAIL: validate parity under the sanitizers:" && tail -5 "$WORK/parity.out"
  FAILS=$((FAILS + 1))
fi
echo "  validate_parity: $((SECONDS - t0)) s"
finish
