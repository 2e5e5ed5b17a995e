#!/usr/bin/env bash
# Configures (first time) and builds kiln in build/ with the toolchain. Run it through
# scripts/toolchain.sh run (the Makefile and ./kiln do). Quiet unless something fails.
#   scripts/build.sh [TARGET...]   every target by default; `make demo` and ./kiln name only
#                                  kiln and kiln-torch (the test programs are a quarter of a
#                                  cold build's compile time)
#   KILN_BUILD_DIR   build folder (default: build)
#   KILN_CMAKE_ARGS  extra CMake arguments for the first configure
# The executables are linked for the toolchain root's host path (KILN_TOOLCHAIN_ROOT in CMake,
# from scripts/toolchain.sh where), so the host runs them without a chroot (docs/toolchain.md).
# A successful build leaves $BUILD/.kiln-built, dated when it started: ./kiln compares the
# sources with it (scripts/up_to_date.sh) and skips this script when none is newer.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KILN_BUILD_DIR:-$REPO/build}
JOBS=${KILN_JOBS:-$(nproc)}
ROOT=$("$REPO/scripts/toolchain.sh" where)
mkdir -p "$BUILD"
log=$BUILD/build.log
touch "$BUILD/.kiln-build-start"
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  echo "[build] configuring $BUILD" >&2
  # shellcheck disable=SC2086
  if ! cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_TOOLCHAIN_ROOT="$ROOT" ${KILN_CMAKE_ARGS:-} >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "[build] configure failed; full log: $log" >&2
    exit 1
  fi
elif ! grep -qxF "KILN_TOOLCHAIN_ROOT:PATH=$ROOT" "$BUILD/CMakeCache.txt"; then
  # Configured for another root (or before chroot-free linking): relink for this one.
  echo "[build] linking for the toolchain root $ROOT" >&2
  if ! cmake -DKILN_TOOLCHAIN_ROOT="$ROOT" "$BUILD" >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "[build] configure failed; full log: $log" >&2
    exit 1
  fi
fi
targets=()
[[ $# -gt 0 ]] && targets=(--target "$@")
if ! ninja -C "$BUILD" -n "$@" 2>/dev/null | grep -q '^ninja: no work to do'; then
  echo "[build] building ${*:-kiln and its tests} (the first build takes a few minutes on 2 cores)" >&2
fi
if ! cmake --build "$BUILD" -j "$JOBS" "${targets[@]}" >"$log" 2>&1; then
  grep -E 'error|Error' -A3 "$log" | head -60 >&2 || tail -40 "$log" >&2
  echo "[build] build failed; full log: $log" >&2
  exit 1
fi
mv -f "$BUILD/.kiln-build-start" "$BUILD/.kiln-built"
