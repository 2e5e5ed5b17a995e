#!/usr/bin/env bash
# ctest op suite: every op row of tests/ops/op_table.py, traced and scripted, exported by kiln and by
# the peer torch.onnx.export, checked in ONNX Runtime against eager references at two sizes.
#   run_op_suite.sh KILN_OR_RUNNER WORKDIR [quick|full]
# KILN_OR_RUNNER: the kiln CLI (a file named `kiln`: cases exported one process each by
# run_kiln_cli.py, KILN_JOBS=1|2 in parallel) or kiln's in-process runner
# (`kiln_op_suite MANIFEST RESULTS.json`; the CLI for --list-ops is then $KILN, default: the
# runner's folder/kiln). Exit status: op_report.py --require (1 when a non-xfail case fails for
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
mkdir -p "$WORK"
stage() { local t=$SECONDS; "$@"; echo "[op-suite] ${STAGE}: $((SECONDS - t)) s" >&2; }
STAGE=generate stage "$PY" "$HERE/make_op_cases.py" --out "$WORK/cases" --set "$SET"
"$KILN" export --list-ops --report "$WORK/ops.json" >/dev/null
if [[ -n $RUNNER ]]; then
  STAGE=kiln stage "$RUNNER" "$WORK/cases/manifest.json" "$WORK/kiln.json"
else
  STAGE=kiln stage "$PY" "$HERE/run_kiln_cli.py" --kiln "$KILN" --manifest "$WORK/cases/manifest.json" \
    --out "$WORK/kiln.json" --jobs "${KILN_JOBS:-1}"
fi
STAGE=peer stage "$PY" "$HERE/run_peer.py" --manifest "$WORK/cases/manifest.json" --out "$WORK/peer.json"
"$PY" "$HERE/op_report.py" --manifest "$WORK/cases/manifest.json" --kiln "$WORK/kiln.json" --peer "$WORK/peer.json" \
  --kiln-ops "$WORK/ops.json" --markdown "$WORK/OPS.md" --json "$WORK/report.json" --require
