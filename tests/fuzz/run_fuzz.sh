#!/usr/bin/env bash
# One bounded libFuzzer run: run_fuzz.sh FUZZER TARGET SEEDS_DIR WORK_DIR SECONDS [extra libFuzzer flags]
# The corpus starts from the seeds (tests/fuzz/corpus/TARGET, make_seeds' output, and for onnx_model
# and tensor_pb ONNX's backend test data from Debian's libonnx-testdata) and grows in
# WORK_DIR/corpus/TARGET; crashes land in WORK_DIR/crashes/. Exit status: libFuzzer's (0: clean).
set -euo pipefail
fuzzer=$1 target=$2 seeds=$3 work=$4 seconds=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
corpus=$work/corpus/$target
mkdir -p "$corpus" "$work/crashes"
backend=/usr/share/libonnx-testdata/data
case $target in
  onnx_model) src=("$seeds/onnx") ;;
  idx) src=("$seeds/idx") ;;
  metadata) src=("$seeds/metadata") ;;
  tensor_pb) src=("$seeds/tensor") ;;
  validate) src=("$seeds/artifact") ;;
esac
[[ -d $here/corpus/$target ]] && src+=("$here/corpus/$target")
for d in "${src[@]}"; do cp -f "$d"/* "$corpus"/ 2>/dev/null || true; done
# Real models and tensors from ONNX's backend tests: every 4th small one (~300), so a short run
# gets past loading its corpus; small inputs are what libFuzzer mutates best.
if [[ -d $backend && ($target == onnx_model || $target == tensor_pb) ]]; then
  pattern=model.onnx
  [[ $target == tensor_pb ]] && pattern='input_0.pb'
  find "$backend/node" "$backend/simple" -name "$pattern" -size -3k | sort | awk "NR % 4 == 1" | while read -r f; do
    cp -f "$f" "$corpus/backend_$(echo "${f#"$backend"/}" | tr '/' '_')"
  done
fi
# Third-party noise only (tests/fuzz/lsan.supp documents each entry).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "fuzz $target: $(find "$corpus" -type f | wc -l) inputs in the corpus, ${seconds}s"
exec "$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$work/crashes/$target-" "$@" "$corpus"
