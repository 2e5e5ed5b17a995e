#!/usr/bin/env bash
# Runs CLI test scripts on the host against the chroot-free build/kiln (docs/toolchain.md), the
# way ./kiln runs it; only their helpers from Debian 13 packages (python3 with onnx, numpy, torch;
# chromium for the HTML screenshot) run in the toolchain root, through commands on PATH that enter
# it. Exit code: 0 when all pass.
#   tests/cli/run_on_host.sh [SCRIPT...]   (default: every tests/cli/cli_*.sh but the sanitized one)
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KILN=$REPO/build/kiln
[[ -x $KILN ]] || { echo "run_on_host: no $KILN; run ./kiln --version first" >&2; exit 2; }
ROOT=$("$REPO/scripts/toolchain.sh" where)
SHIM=$(mktemp -d /tmp/kiln_host_shim.XXXXXX)
trap 'rm -rf "$SHIM"' EXIT
for tool in python3 chromium; do
  printf '#!/bin/sh\nexec %q run %s "$@"\n' "$REPO/scripts/toolchain.sh" "$tool" >"$SHIM/$tool"
  chmod +x "$SHIM/$tool"
done
export PATH=$SHIM:$PATH OMP_WAIT_POLICY=PASSIVE
scripts=("$@")
if ((${#scripts[@]} == 0)); then
  for s in "$REPO"/tests/cli/cli_*.sh; do [[ $s == */cli_sanitized.sh ]] || scripts+=("$s"); done
fi
failed=()
for s in "${scripts[@]}"; do
  extra=()
  [[ $s == */cli_chroot_free.sh ]] && extra=("$ROOT")
  echo "== $(basename "$s")"
  t0=$SECONDS
  if bash "$s" "$KILN" "${extra[@]}" 2>&1 | tail -5; [[ ${PIPESTATUS[0]} == 0 ]]; then
    echo "   ok ($((SECONDS - t0)) s)"
  else
    echo "   FAILED ($((SECONDS - t0)) s)"
    failed+=("$(basename "$s")")
  fi
done
((${#failed[@]} == 0)) || { echo "failed: ${failed[*]}"; exit 1; }
