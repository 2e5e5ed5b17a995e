#!/usr/bin/env bash
# ctest op suite: every op row of tests/ops/op_table.py, traced and scripted, exported by kiln and by
# the peer torch.onnx.export, checked in ONNX Runtime against eager references at two sizes.
#   run_op_suite.sh KILN_OR_RUNNER WORKDIR [quick|full]
# KILN_OR_RUNNER: the kiln CLI (a file named `kiln`: cases exported one process each by
# run_kiln_cli.py, KILN_JOBS=1|2 in parallel) or kiln's in-process runner
# (`kiln_op_suite MANIFEST RESULTS.json`, through run_kiln_runner.py, which isolates a case that
# crashes it; the CLI for --list-ops is then $KILN, default: the runner's folder/kiln).
# OPS_NOTE="..." adds a line to the report (e.g. that the machine was shared); OPS_MARKDOWN=FILE
# writes the report there instead of WORKDIR/OPS.md (bench/OPS.md).
# Exit status: op_report.py --require (1 when a non-xfail case fails for
# kiln, when kiln fails a case the peer passes, or when a case does not reach its op).
set -euo pipefail
ARG=$(realpath "$1")
WORK=$(realpath -m "$2")
SET=${3:-quick}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}
if [[ $(basename "$ARG") == kiln ]]; then
  KILN=$ARG RUNNER=
else
  RUNNER=$ARG KILN=$(realpath "${KILN:-$(dirname "$ARG")/kiln}")
fi
SUITE_COMMAND="$0 $*"
mkdir -p "$WORK"
# Each stage's wall time (STAGE_SECONDS, to 0.1 s): the kiln stage's goes into the report, since the
# in-process runner's results do not state it.
stage() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  STAGE_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  STAGE_TIMES="${STAGE_TIMES:+$STAGE_TIMES, }${STAGE} ${STAGE_SECONDS} s"
  echo "[op-suite] ${STAGE}: ${STAGE_SECONDS} s" >&2
}
STAGE=generate stage "$PY" "$HERE/make_op_cases.py" --out "$WORK/cases" --set "$SET"
"$KILN" export --list-ops --report "$WORK/ops.json" >/dev/null
if [[ -n $RUNNER ]]; then
  KILN_CMD=("$PY" "$HERE/run_kiln_runner.py" --runner "$RUNNER" --manifest "$WORK/cases/manifest.json"
            --out "$WORK/kiln.json")
else
  KILN_CMD=("$PY" "$HERE/run_kiln_cli.py" --kiln "$KILN" --manifest "$WORK/cases/manifest.json"
            --out "$WORK/kiln.json" --jobs "${KILN_JOBS:-1}")
fi
STAGE=kiln stage "${KILN_CMD[@]}"
KILN_SECONDS=$STAGE_SECONDS
STAGE=peer stage "$PY" "$HERE/run_peer.py" --manifest "$WORK/cases/manifest.json" --out "$WORK/peer.json"
"$PY" "$HERE/op_report.py" --manifest "$WORK/cases/manifest.json" --kiln "$WORK/kiln.json" --peer "$WORK/peer.json" \
  --kiln-ops "$WORK/ops.json" --kiln-seconds "$KILN_SECONDS" --kiln-command "${KILN_CMD[*]}" \
  --suite-command "$SUITE_COMMAND" --note "Wall time per stage: ${STAGE_TIMES}." ${OPS_NOTE:+--note "$OPS_NOTE"} \
  --markdown "${OPS_MARKDOWN:-$WORK/OPS.md}" --json "$WORK/report.json" --require
