#!/usr/bin/env bash
# Wall time of everyday ./kiln calls (issue 19): --version, validate of an artifact, doctor.
# One warm-up call each (it also builds when needed), then N timed calls; prints each time and the
# median, and the load average before and after (the figures mean little under load).
#   bench/run_velocity.sh ARTIFACT_DIR [N=5] [KILN=./kiln]
set -euo pipefail
ARTIFACT=${1:?usage: bench/run_velocity.sh ARTIFACT_DIR [N] [KILN]}
N=${2:-5}
KILN=${3:-./kiln}
echo "before: $(uptime)"
measure() {
  local label=$1 t0 t1 times=()
  shift
  "$KILN" "$@" >/dev/null 2>&1 || { echo "$label: '$KILN $*' failed" >&2; exit 1; }
  for ((i = 0; i < N; i++)); do
    t0=$(date +%s%N)
    "$KILN" "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=("$(((t1 - t0) / 1000000))")
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((N + 1) / 2))p")
  printf '%-10s median %5d ms  (%s ms)\n' "$label" "$median" "${times[*]}"
}
measure --version --version
measure validate validate "$ARTIFACT"
measure doctor doctor
echo "after:  $(uptime)"
