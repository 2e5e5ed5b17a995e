# Helpers for CLI tests: run kiln, check exit code and that stderr is exactly one line.
set -uo pipefail
KILN=$(realpath "$1")
CLI_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)  # before any script changes directory
FAILS=0
PASSES=0
WORK=$(mktemp -d /tmp/kiln_cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# expect CODE PATTERN -- ARGS...: exit code CODE and a one-line stderr matching PATTERN.
expect() {
  local code=$1 pattern=$2
  shift 3
  local err rc
  err=$(timeout 120 "$KILN" "$@" 2>&1 >/dev/null)
  rc=$?
  local lines
  lines=$(printf '%s' "$err" | grep -c '' || true)
  if [[ $rc != "$code" || ! $err =~ $pattern || $lines != 1 ]]; then
    echo "FAIL: kiln $* -> rc=$rc (want $code), stderr ($lines lines): $err"
    FAILS=$((FAILS + 1))
  else
    PASSES=$((PASSES + 1))
  fi
}

# expect_exact CODE LINE -- ARGS...: exit code CODE and stderr exactly LINE (so exactly one line);
# stdout goes to $WORK/stdout for later checks.
expect_exact() {
  local code=$1 want=$2
  shift 3
  local err rc
  err=$(timeout 120 "$KILN" "$@" 2>&1 >"$WORK/stdout")
  rc=$?
  if [[ $rc != "$code" || $err != "$want" ]]; then
    echo "FAIL: kiln $* -> rc=$rc (want $code), stderr: '$err' (want '$want')"
    FAILS=$((FAILS + 1))
  else
    PASSES=$((PASSES + 1))
  fi
}

# shared_models NAME DEST: a copy of the shared model set NAME (cnn or mlp, made by
# tests/cli/make_models.sh) in the folder DEST. Under ctest the set comes from the fixture test
# fixture.models (KILN_TEST_MODELS names its folder); a script run by hand makes its own.
shared_models() {
  local name=$1 dest=$2 from=${KILN_TEST_MODELS:-}
  if [[ -z $from ]]; then
    from=$WORK/shared_models
    [[ -d $from ]] || bash "$CLI_TESTS/make_models.sh" "$KILN" "$from" || return 1
  fi
  [[ -d $from/$name ]] || { echo "FAIL: no shared model set '$name' in $from (fixture.models failed?)"; return 1; }
  mkdir -p "$dest" && cp -r "$from/$name/." "$dest/"
}

check() {  # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1
  shift
  if "$@"; then PASSES=$((PASSES + 1)); else echo "FAIL: $what"; FAILS=$((FAILS + 1)); fi
}

# require_python MODULE...: the interop modules are declared dependencies (scripts/packages-tests.txt:
# python3-numpy, python3-onnx, python3-onnxruntime, python3-torch, python3-yaml); their absence is a
# broken toolchain, never a reason to skip checks. Fails the script at once, naming what is missing.
require_python() {
  local m err
  for m in "$@"; do
    if ! err=$(python3 -c "import $m" 2>&1); then
      echo "FAIL: python3 cannot import '$m', a declared test dependency (scripts/packages-tests.txt; run scripts/toolchain.sh provision --tests): $(printf '%s' "$err" | tail -1)"
      echo "$PASSES passed, $((FAILS + 1)) failed"
      exit 1
    fi
  done
}

finish() {
  echo "$PASSES passed, $FAILS failed"
  [[ $FAILS == 0 ]]
}
