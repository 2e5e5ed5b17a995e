#!/usr/bin/env bash
# `make lint`: clang-tidy with the project's .clang-tidy profile (bugprone checks: dangling
# handles, use-after-move, float→int narrowing, unchecked optionals …) over every source file in
# src/, using build/compile_commands.json. Findings are errors. Takes ~15–35 s of CPU per file
# that includes LibTorch headers, so it is not part of `make test`; run it before a release or on
# the files you touched:  scripts/lint.sh src/pipeline/*.cpp
# Run through scripts/toolchain.sh run (the Makefile does).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
[[ -f build/compile_commands.json ]] || { echo "lint: build first (make build)" >&2; exit 1; }
if (($#)); then files=("$@"); else mapfile -t files < <(find src -name '*.cpp' | sort); fi
JOBS=${KILN_JOBS:-$(nproc)}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# GCC's warning flags in compile_commands.json are unknown to clang: not findings.
# build/ compiles in unity batches (KILN_UNITY), so its compile commands name the batches, not the
# files: lint from the commands of a file-by-file configuration (configured only, never built) whose
# build folder is then read as build/ (generated headers), without GCC's precompiled headers
# (.gch), which clang cannot read.
db=$(mktemp -d)
cfg=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$db" "$cfg"' EXIT
if ! cmake -S "$REPO" -B "$cfg" -G Ninja -DKILN_UNITY=OFF -DKILN_PCH=OFF -DKILN_CCACHE=OFF >"$log" 2>&1; then
  cat "$log" >&2
  echo "lint: configuring the file-by-file compile commands failed" >&2
  exit 1
fi
sed -E "s#$cfg#$REPO/build#g; s# -Winvalid-pch##g; s# -include [^ ]*cmake_pch\.hxx##g" \
  "$cfg/compile_commands.json" >"$db/compile_commands.json"
printf '%s\0' "${files[@]}" | xargs -0 -n 4 -P "$JOBS" clang-tidy -p "$db" --quiet \
  --extra-arg=-Wno-unknown-warning-option >"$log" 2>&1 || true
if grep -E 'warning:|error:' "$log"; then
  echo "lint: clang-tidy findings above (${#files[@]} files)" >&2
  exit 1
fi
echo "lint: ${#files[@]} files, no findings"
